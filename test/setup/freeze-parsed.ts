// Every value the YAML loaders return is deep-frozen in the test suite, so that a write into a parsed value
// anywhere in the engine throws here instead of silently changing every document that shares it (src/yaml/readonly.ts).
process.env.FCU_FREEZE_PARSED = '1'
