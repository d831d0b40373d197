/** ESM TypeScript through ts-jest; tests import sources with `.js` suffixes as NodeNext requires. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true, diagnostics: false }]
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // freeze-parsed: parsed values are deep-frozen, so a stage that edits one fails; quiet-runner-log: @actions/*
  // write runner-log lines to stdout that would bury jest's own output.
  setupFiles: ['<rootDir>/test/setup/freeze-parsed.ts', '<rootDir>/test/setup/quiet-runner-log.ts'],
  testTimeout: 60000,
  // Many suites wait on child processes (dist/, git, the stand-ins) and local servers: two workers on a 2-core
  // runner finish the suite in about two thirds of the time one worker (jest's default there) takes.
  maxWorkers: 2
}
