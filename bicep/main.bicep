// Treasure Hunt Engine: everything the Functions app needs, in one resource group, wired by
// managed identity and RBAC. No connection string, account key, SAS or instrumentation key is
// created, passed or output: storage has shared keys disabled, and Event Hubs, Cosmos DB and
// Application Insights have local authentication disabled.
//
// Deploy with infra/deploy.sh (what-if first); see docs/deploy.md.
targetScope = 'resourceGroup'

// ---------------------------------------------------------------- general

@description('Azure region of every resource (defaults to the resource group\'s).')
param location string = resourceGroup().location

@description('Environment name, part of every resource name.')
@allowed([
  'dev'
  'test'
  'prod'
])
param environmentName string

@description('Short prefix of resource names (lowercase letters and digits).')
@minLength(2)
@maxLength(6)
param namePrefix string = 'th'

@description('Tags applied to every resource.')
param tags object = {}

// ---------------------------------------------------------------- Event Hubs

@description('Event hub name (app setting EventHubName).')
param eventHubName string = 'events'

@description('Consumer group of the aggregator (app setting EventHubConsumerGroup).')
param eventHubConsumerGroup string = 'aggregator'

@description('Partitions of the hub (Standard: 1-32, fixed after creation). Bounds the parallelism of the aggregator.')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 32

@description('Throughput units of the Standard namespace (billed hourly each).')
@minValue(1)
@maxValue(40)
param eventHubThroughputUnits int = 1

@description('Auto-inflate ceiling in throughput units (0 = auto-inflate off).')
@minValue(0)
@maxValue(40)
param eventHubMaximumThroughputUnits int = 0

@description('Event retention in hours (Standard: at most 168).')
@minValue(1)
@maxValue(168)
param eventHubRetentionHours int = 24

@description('Grant the app "Azure Event Hubs Data Sender" (only needed if the app produces events).')
param appProducesEvents bool = false

// ---------------------------------------------------------------- Cosmos DB

@description('Cosmos DB capacity: Serverless (per RU consumed, the FinOps default) or Autoscale (provisioned RU/s shared at database level).')
@allowed([
  'Serverless'
  'Autoscale'
])
param cosmosCapacityMode string = 'Serverless'

@description('Autoscale maximum RU/s of the database (only when cosmosCapacityMode is Autoscale).')
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 4000

@description('Database name (app setting Cosmos__Database).')
param cosmosDatabaseName string = 'treasurehunt'

@description('Deploy the "baseline" container used only by the per-event benchmark strategy.')
param deployBaselineContainer bool = false

// ---------------------------------------------------------------- Functions

@description('Flex Consumption instance memory in MB; also app setting FinOps__InstanceMemoryMb.')
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMb int = 2048

@description('Maximum instances of the Flex Consumption app.')
@minValue(40)
@maxValue(1000)
param functionMaximumInstanceCount int = 100

@description('Durable task hub name (app setting TaskHubName).')
param taskHubName string = 'treasurehunt'

@description('Aggregation__DuplicateHorizonMinutes.')
@minValue(1)
param duplicateHorizonMinutes int = 15

@description('Features__DefinitionsPath: feature-definitions file in the app package; empty = the default definitions (features/definitions.json, embedded).')
param featureDefinitionsPath string = ''

@description('Rollups__ShardCount.')
@minValue(1)
param rollupShardCount int = 16

@description('Rollups__FlushMaxAgeSeconds.')
@minValue(1)
param rollupFlushMaxAgeSeconds int = 5

@description('Rollups__FlushMinEvents.')
@minValue(1)
param rollupFlushMinEvents int = 2000

// ---------------------------------------------------------------- storage and monitoring

@description('Redundancy of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@description('Log Analytics retention in days.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Log Analytics daily ingestion cap in GB (-1 = no cap).')
param logDailyQuotaGb int = -1

// ---------------------------------------------------------------- names

var suffix = uniqueString(subscription().id, resourceGroup().id, namePrefix, environmentName)
var baseName = '${namePrefix}-${environmentName}'
var names = {
  functionApp: 'func-${baseName}-${suffix}'
  plan: 'asp-${baseName}-${suffix}'
  storage: take(toLower('st${namePrefix}${environmentName}${suffix}'), 24)
  eventHubsNamespace: 'evhns-${baseName}-${suffix}'
  cosmos: toLower('cosmos-${baseName}-${suffix}')
  workspace: 'log-${baseName}-${suffix}'
  appInsights: 'appi-${baseName}-${suffix}'
}
var commonTags = union(tags, {
  application: 'treasure-hunt-engine'
  environment: environmentName
})

// Tables the app writes: cost ledger (per-invocation FinOps records), dead letters, checkpoints.
var tableNames = [
  'costledger'
  'deadletters'
  'checkpoints'
]

// ---------------------------------------------------------------- modules

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    retentionInDays: logRetentionDays
    dailyQuotaGb: logDailyQuotaGb
    tags: commonTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    storageAccountName: names.storage
    deploymentContainerName: 'app-package'
    tableNames: tableNames
    skuName: storageSku
    tags: commonTags
  }
}

module eventHubs 'modules/eventhubs.bicep' = {
  name: 'eventhubs'
  params: {
    location: location
    namespaceName: names.eventHubsNamespace
    eventHubName: eventHubName
    consumerGroupName: eventHubConsumerGroup
    partitionCount: eventHubPartitionCount
    throughputUnits: eventHubThroughputUnits
    maximumThroughputUnits: eventHubMaximumThroughputUnits
    retentionHours: eventHubRetentionHours
    workspaceId: monitoring.outputs.workspaceId
    tags: commonTags
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    location: location
    accountName: names.cosmos
    databaseName: cosmosDatabaseName
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    deployBaselineContainer: deployBaselineContainer
    workspaceId: monitoring.outputs.workspaceId
    tags: commonTags
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    location: location
    functionAppName: names.functionApp
    planName: names.plan
    instanceMemoryMb: functionInstanceMemoryMb
    maximumInstanceCount: functionMaximumInstanceCount
    storageAccountName: storage.outputs.storageAccountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    tableEndpoint: storage.outputs.tableEndpoint
    eventHubsFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    eventHubName: eventHubs.outputs.eventHubName
    eventHubConsumerGroup: eventHubs.outputs.consumerGroupName
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    taskHubName: taskHubName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    duplicateHorizonMinutes: duplicateHorizonMinutes
    featureDefinitionsPath: featureDefinitionsPath
    rollupShardCount: rollupShardCount
    rollupFlushMaxAgeSeconds: rollupFlushMaxAgeSeconds
    rollupFlushMinEvents: rollupFlushMinEvents
    tags: commonTags
  }
}

// Resource names are passed from compile-time values (not module outputs) so What-If can
// predict the assignments. The module still runs after the resources it scopes to: it depends on
// functionApp (principalId), which depends on storage, eventHubs, cosmos and monitoring.
module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    // The identity's object id exists only once the site is created, so it is necessarily a
    // runtime value: What-If shows these assignments as "unsupported" until the app exists.
    #disable-next-line what-if-short-circuiting
    principalId: functionApp.outputs.principalId
    storageAccountName: names.storage
    eventHubsNamespaceName: names.eventHubsNamespace
    eventHubName: eventHubName
    appProducesEvents: appProducesEvents
    cosmosAccountName: names.cosmos
    appInsightsName: names.appInsights
  }
}

// ---------------------------------------------------------------- outputs (no secrets)

output functionAppName string = functionApp.outputs.functionAppName
output functionAppDefaultHostName string = functionApp.outputs.defaultHostName
output functionAppPrincipalId string = functionApp.outputs.principalId
output eventHubsNamespaceName string = eventHubs.outputs.namespaceName
output eventHubsFullyQualifiedNamespace string = eventHubs.outputs.fullyQualifiedNamespace
output eventHubName string = eventHubs.outputs.eventHubName
output cosmosAccountName string = cosmos.outputs.accountName
output cosmosEndpoint string = cosmos.outputs.endpoint
output storageAccountName string = storage.outputs.storageAccountName
output cosmosContainers array = cosmos.outputs.containerNames
