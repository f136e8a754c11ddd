// Production preset: 32 partitions (the aggregator's maximum parallelism on Standard), throughput
// units with auto-inflate, serverless Cosmos DB. For a sized deployment generate the parameters from
// your traffic instead: `./th plan --events-per-second N --out prod.bicepparam` (docs/deploy.md).
using 'main.bicep'

param environmentName = 'prod'
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
param logDailyQuotaGb = -1
