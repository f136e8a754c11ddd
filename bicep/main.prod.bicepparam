// Production preset: 32 partitions (the aggregator's maximum parallelism on Standard), throughput
// units with auto-inflate, serverless Cosmos DB. For a sized deployment generate the parameters from
// your traffic instead: `./th plan --events-per-second N --out prod.bicepparam` (docs/deploy.md).
using 'main.bicep'

// Who may call the API: the app registration whose id TH_ENTRA_CLIENT_ID holds when the parameters are built
// (`azd env set TH_ENTRA_CLIENT_ID <client id>`, docs/deploy.md "Roles"); unset, no token is accepted and every route
// but liveness answers 401.
param entraClientId = readEnvironmentVariable('TH_ENTRA_CLIENT_ID', '')

param environmentName = 'prod'

// The production profile: private network, diagnostics, zone redundancy, alerts, delete locks (docs/deploy.md,
// "Production profile"). The alerts notify the action group whose resource id TH_ALERT_ACTION_GROUP_ID holds when the
// parameters are built (`azd env set TH_ALERT_ACTION_GROUP_ID /subscriptions/.../actionGroups/...`); unset, they fire
// in the portal only.
param profile = 'production'
param alertActionGroupId = readEnvironmentVariable('TH_ALERT_ACTION_GROUP_ID', '')
param tags = {
  costCenter: 'treasure-hunt-prod'
}

param eventHubsCapacity = {
  tier: 'Standard'
  partitionCount: 32
  throughputUnits: 2
  maximumThroughputUnits: 10
  retentionHours: 72
}
param eventHubCaptureEnabled = true
param appProducesEvents = true // erase control messages (DELETE /api/users/{userId})

param cosmosCapacity = {
  mode: 'Serverless'
}
param deployBaselineContainer = false

param functionInstanceMemoryMb = 2048
param functionMaximumInstanceCount = 100

param storageSku = 'Standard_ZRS'
param logRetentionDays = 90
// A cap well above the expected telemetry (sampled OpenTelemetry and the diagnostic settings): it guards against a
// runaway bill, and ingestion (alerts included) stops for the day when it is reached
// (https://learn.microsoft.com/azure/azure-monitor/logs/daily-cap).
param logDailyQuotaGb = 20
