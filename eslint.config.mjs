import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules that bring I/O, clocks or randomness: forbidden in the pure cores. */
const impureModules = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'net',
  'node:net',
  'dgram',
  'node:dgram',
  'child_process',
  'node:child_process',
  'timers',
  'node:timers',
  'timers/promises',
  'node:timers/promises',
  'http',
  'node:http',
  '@grpc/grpc-js',
  'execa',
  'systeminformation',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'agent/src/transport/generated/', '.demo/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The pure cores: deterministic, so seeded simulation and fixture tests can replay them.
    files: [
      'agent/src/raft/*.ts',
      'agent/src/state/**/*.ts',
      'agent/src/scheduler/**/*.ts',
      'agent/src/liveness/**/*.ts',
      'agent/src/coordinator/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': ['error', { paths: impureModules }],
      'no-restricted-globals': [
        'error',
        'setTimeout',
        'setInterval',
        'setImmediate',
        'performance',
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time enters the core only through tick().' },
        { object: 'Math', property: 'random', message: 'Use the injected seeded PRNG.' },
        {
          object: 'process',
          property: 'hrtime',
          message: 'Time enters the core only through tick().',
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', '*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The examples' small services (Node scripts run on the cluster's nodes).
    files: ['examples/**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setInterval: 'readonly' },
    },
  },
);
