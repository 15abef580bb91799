import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.agentcron/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The pure core must not reach the outside world or the system clock.
    files: ['src/spec/**/*.ts', 'src/policy/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'net', 'http', 'https', 'child_process', 'os', 'pg', 'better-sqlite3'], message: 'src/spec and src/policy are pure: no I/O.' },
        ],
      }],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Pure core: take the instant as an argument (Clock lives in engine).' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pure core: take the instant as an argument (Clock lives in engine).' },
        { selector: "MemberExpression[object.name='process']", message: 'Pure core: no process access.' },
      ],
    },
  },
);
