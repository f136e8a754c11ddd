// Development environment: smallest footprint. Serverless Cosmos DB, one throughput unit, and
// the per-event "baseline" container so the benchmark strategies can be compared here.
using 'main.bicep'

// Who may call the API: the app registration whose id TH_ENTRA_CLIENT_ID holds when the parameters are built
// (`azd env set TH_ENTRA_CLIENT_ID <client id>`, docs/deploy.md "Roles"); unset, no token is accepted and every route
// but liveness answers 401.
param entraClientId = readEnvironmentVariable('TH_ENTRA_CLIENT_ID', '')

param environmentName = 'dev'

// The dev profile: public endpoints (Entra ID only, no keys), no network, alerts or locks (docs/deploy.md).
param profile = 'dev'
param tags = {
  costCenter: 'treasure-hunt-dev'
}

// Event Hubs: fewer partitions are enough for development traffic (partition count does not
// change the Standard price; throughput units do).
param eventHubsCapacity = {
  tier: 'Standard'
  partitionCount: 4
  throughputUnits: 1
  maximumThroughputUnits: 0
  retentionHours: 24
}
param eventHubCaptureEnabled = false

param cosmosCapacity = {
  mode: 'Serverless'
}
param deployBaselineContainer = true

param functionInstanceMemoryMb = 2048
param functionMaximumInstanceCount = 40

param storageSku = 'Standard_LRS'
param logRetentionDays = 30
param logDailyQuotaGb = 1
