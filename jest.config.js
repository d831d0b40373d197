/** ESM TypeScript through ts-jest; tests import sources with `.js` suffixes as NodeNext requires. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true, diagnostics: false }]
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // @actions/* write runner-log lines to stdout that would bury jest's own output.
  setupFiles: ['<rootDir>/test/helpers/quiet-runner-log.ts'],
  testTimeout: 60000
}
