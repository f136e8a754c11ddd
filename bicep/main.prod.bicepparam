// Production: 32 partitions (the aggregator's maximum parallelism), throughput units with
// auto-inflate, serverless Cosmos DB as the FinOps model assumes (switch cosmosCapacityMode to
// 'Autoscale' when sustained load makes provisioned RU/s cheaper; see docs/deploy.md).
using 'main.bicep'

param environmentName = 'prod'
param tags = {
  costCenter: 'treasure-hunt-prod'
}

param eventHubPartitionCount = 32
param eventHubThroughputUnits = 2
param eventHubMaximumThroughputUnits = 10
param eventHubRetentionHours = 72
param appProducesEvents = false

param cosmosCapacityMode = 'Serverless'
param cosmosAutoscaleMaxThroughput = 10000 // used only when cosmosCapacityMode = 'Autoscale'
param deployBaselineContainer = false

param functionInstanceMemoryMb = 2048
param functionMaximumInstanceCount = 100

param storageSku = 'Standard_ZRS'
param logRetentionDays = 90
param logDailyQuotaGb = -1
