import { expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

it('templatesDir names where script modules live, and must be a non-empty string', () => {
  expect(parseConfig('templatesDir: ./scripts\ntemplates: []\n', 'agentcron.yaml').templatesDir).toBe('./scripts');
  expect(parseConfig('templates: []\n', 'agentcron.yaml').templatesDir).toBeUndefined();
  expect(() => parseConfig('templatesDir: ""\n', 'agentcron.yaml')).toThrow(/templatesDir/);
});
