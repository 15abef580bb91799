/**
 * `npm run demo`: starts the demo site and an agentcron node on SQLite with the demo schedules.
 * Watch runs from another terminal with `npm run agentcron -- runs ls --db .agentcron/demo.db`.
 */
import { runCli } from '../../src/cli/program.js';
import { startDemoSite } from './site.js';

const { url } = await startDemoSite(Number(process.env.DEMO_PORT ?? 0));
process.env.DEMO_URL = url;
process.stderr.write(`demo site on ${url}\n`);
const db = process.env.AGENTCRON_DB ?? '.agentcron/demo.db';
process.exitCode = await runCli(['serve', '-c', new URL('./agentcron.yaml', import.meta.url).pathname, '--db', db]);
process.exit();
