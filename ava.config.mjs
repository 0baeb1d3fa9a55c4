// Tests are written in TypeScript under test/ and run from tsc's output under dist/test/
// (scripts/run-tests.mjs compiles first, so a type error fails the run).
export default {
  files: ['test/**/*.test.ts'],
  typescript: {
    rewritePaths: { 'test/': 'dist/test/' },
    compile: false,
  },
  timeout: '120s',
  workerThreads: true,
};
