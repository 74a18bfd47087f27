// The HTTP adapter hands out its core too, so `import RapportServer` keeps giving callers (the CLI,
// tests, benchmarks) `SyncService`, `SyncStorage` and `TokenSecrets` without a second import.
@_exported import RapportServerCore
@_exported import RapportPostgres
