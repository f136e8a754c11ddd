// Treasure Hunt Engine: everything the Functions app needs, in one resource group, wired by
// managed identity and RBAC. No connection string, account key, SAS or instrumentation key is
// created, passed or output: storage has shared keys disabled, and Event Hubs, Cosmos DB and
// Application Insights have local authentication disabled.
//
// Deploy with `azd up` (azure.yaml) or infra/deploy.sh (what-if first); size it with `./th plan`; see docs/deploy.md.
targetScope = 'resourceGroup'

import { eventHubsTierSettings, cosmosCapacitySettings } from 'types.bicep'

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

@description('Deployment profile. dev: public endpoints (guarded by Entra ID, no keys), no network, alerts or locks, for a small deployment. production: VNet integration and private endpoints with public network access disabled on Cosmos DB, Event Hubs and Storage; diagnostic settings on every resource; zone redundancy; the four alerts; delete locks on the data (docs/deploy.md, "Production profile").')
@allowed([
  'dev'
  'production'
])
param profile string = 'dev'

// ---------------------------------------------------------------- Event Hubs

@description('Event hub name (app setting EventHubName).')
param eventHubName string = 'events'

@description('Consumer group of the aggregator (app setting EventHubConsumerGroup).')
param eventHubConsumerGroup string = 'aggregator'

@description('Event Hubs tier and size: Standard (throughput units, <= 32 partitions), Premium (processing units, <= 100 partitions) or Dedicated (capacity units, <= 1,024 partitions). `./th plan --out` writes it. Partitions are fixed once the hub exists and bound the aggregator\'s parallelism.')
param eventHubsCapacity eventHubsTierSettings = {
  tier: 'Standard'
  partitionCount: 32
  throughputUnits: 1
  maximumThroughputUnits: 0
  retentionHours: 24
}

@description('Event Hubs Capture: also write every event as Avro to the storage account (container eventhubs-capture), with the namespace\'s managed identity.')
param eventHubCaptureEnabled bool = false

@description('Days a Capture file lives: a lifecycle rule on the storage account deletes the capture container\'s blobs this many days after they were written. Capture files hold raw events, user ids included, which an erasure cannot rewrite; at most 30 days so an erased person\'s raw events are gone within about a month of the erasure (the rule runs once a day), and no longer history can be back-filled or exported from Capture.')
@minValue(1)
@maxValue(30)
param eventHubCaptureRetentionDays int = 28

@description('Grant the app "Azure Event Hubs Data Sender": the app sends erase control messages (DELETE /api/users/{userId}) into the user\'s partition; false leaves erasure requests failing with 403.')
param appProducesEvents bool = true

// ---------------------------------------------------------------- Cosmos DB

@description('Cosmos DB capacity: Serverless (per RU consumed, at most 5,000 RU/s per container) or Autoscale with a maximum RU/s per container. `./th plan --out` writes it.')
param cosmosCapacity cosmosCapacitySettings = {
  mode: 'Serverless'
}

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
param rollupFlushMaxAgeSeconds int = 2

@description('Rollups__FlushMinEvents.')
@minValue(1)
param rollupFlushMinEvents int = 4000

@description('Retention__IdleUserDays: a user document not written for this many days is deleted by Cosmos DB time to live (the users container\'s defaultTtl); 0 keeps users for ever. 400 days: longer than a year, so a customer who returns for the same season keeps their profile, while a profile idle for longer, whose windows are empty and whose affinity has decayed by 2^-57 (7-day half-life), is personal data with no use left.')
@minValue(0)
@maxValue(3650)
param idleUserDays int = 400

@description('Retention__ErasureTombstoneDays: how long a partition\'s progress remembers an erased user (its hash and the erase message\'s sequence number). At least the event hub\'s retention (eventHubs.retentionHours / 24): a redelivery comes from the stream; histories read in order carry the erase message itself. With Capture on, the app gets at least eventHubCaptureRetentionDays: a tombstone outlives every Capture file a back-fill can replay.')
@minValue(1)
@maxValue(3650)
param erasureTombstoneDays int = 30

// ---------------------------------------------------------------- who may call the API (docs/deploy.md, "Roles")

@description('Microsoft Entra ID tenant of the API\'s app registration (default: the deployment\'s tenant).')
param entraTenantId string = tenant().tenantId

@description('Application (client) id of the API\'s app registration, with the app roles TreasureHunt.Read and TreasureHunt.Operate (docs/deploy.md, "Roles"). Set: App Service Authentication validates Entra ID tokens (scope api://{clientId}/.default) and refuses requests without one (401); the app checks each route\'s app role. Empty: no authentication in front of the app, which then answers 401 to every route but liveness and the OpenAPI document.')
param entraClientId string = ''

@description('Optional reader key: the SHA-256 (64 hex digits) of a key that callers may send in the x-functions-key header instead of a token, for reader routes only (never operator routes). The platform then lets tokenless requests through to the app, which refuses those without the key (401). Empty (default): tokens only.')
@maxLength(64)
param readerKeySha256 string = ''

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

// ---------------------------------------------------------------- production profile

@description('Production: address space of the virtual network (its first /24 is the Function App\'s integration subnet, the second the private endpoints\').')
param virtualNetworkAddressPrefix string = '10.40.0.0/16'

@description('Production: resource id of the action group the alerts notify (Microsoft.Insights/actionGroups); empty = the alerts fire in the portal only.')
param alertActionGroupId string = ''

@description('Production: p99 freshness target in ms (enqueue → aggregate readable); the freshness target is 1 s (docs/BENCHMARKS.md).')
@minValue(1)
param freshnessP99TargetMs int = 1000

@description('Production: share of HTTP requests answered 5xx, in percent, above which the 5xx alert fires.')
@minValue(1)
@maxValue(100)
param http5xxRatePercent int = 5

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
  virtualNetwork: 'vnet-${baseName}-${suffix}'
}
var isProduction = profile == 'production'
var commonTags = union(tags, {
  application: 'treasure-hunt-engine'
  environment: environmentName
})

// Tables the app writes: cost ledger (per-invocation FinOps records), dead letters, checkpoints, parked messages,
// the erasure log (outside Cosmos DB, so a point-in-time restore of the account does not take it back).
var tableNames = [
  'costledger'
  'deadletters'
  'checkpoints'
  'parked'
  'erasures'
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
    production: isProduction
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
    production: isProduction
    workspaceId: monitoring.outputs.workspaceId
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
    capacity: eventHubsCapacity
    captureEnabled: eventHubCaptureEnabled
    // A compile-time name (What-If predicts the capture container and role assignment); dependsOn orders it.
    storageAccountName: names.storage
    captureContainerName: 'eventhubs-capture'
    captureRetentionDays: eventHubCaptureRetentionDays
    workspaceId: monitoring.outputs.workspaceId
    production: isProduction
    tags: commonTags
  }
  dependsOn: [
    storage
  ]
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    location: location
    accountName: names.cosmos
    databaseName: cosmosDatabaseName
    capacity: cosmosCapacity
    deployBaselineContainer: deployBaselineContainer
    idleUserDays: idleUserDays
    workspaceId: monitoring.outputs.workspaceId
    production: isProduction
    tags: commonTags
  }
}

// Production: the virtual network, the private endpoints of Cosmos DB, Event Hubs and Storage and their DNS zones.
// Names are compile-time values (What-If); dependsOn orders it after the services it connects.
module network 'modules/network.bicep' = if (isProduction) {
  name: 'network'
  params: {
    location: location
    virtualNetworkName: names.virtualNetwork
    addressPrefix: virtualNetworkAddressPrefix
    storageAccountName: names.storage
    eventHubsNamespaceName: names.eventHubsNamespace
    cosmosAccountName: names.cosmos
    workspaceId: monitoring.outputs.workspaceId
    tags: commonTags
  }
  dependsOn: [
    storage
    eventHubs
    cosmos
  ]
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
    idleUserDays: idleUserDays
    production: isProduction
    // The integration subnet by its compile-time id (What-If); dependsOn orders the app after the network.
    virtualNetworkSubnetId: resourceId(
      'Microsoft.Network/virtualNetworks/subnets',
      names.virtualNetwork,
      'snet-function-app'
    )
    workspaceId: monitoring.outputs.workspaceId
    erasureTombstoneDays: eventHubCaptureEnabled ? max(erasureTombstoneDays, eventHubCaptureRetentionDays) : erasureTombstoneDays
    entraTenantId: entraTenantId
    entraClientId: entraClientId
    readerKeySha256: readerKeySha256
    // azd deploys the service "api" of azure.yaml to the resource carrying this tag.
    tags: union(commonTags, {
      'azd-service-name': 'api'
    })
  }
  dependsOn: [
    network
  ]
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

// The live dashboard's panels over the app's OpenTelemetry (docs/observability.md).
// The component's name is a compile-time value (What-If); the host name (functionApp output) orders the module
// after functionApp, hence after monitoring.
module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  params: {
    location: location
    appInsightsName: names.appInsights
    functionAppHostName: functionApp.outputs.defaultHostName
    tags: commonTags
  }
}

// Production: the four alerts on the app's telemetry, notifying alertActionGroupId.
module alerts 'modules/alerts.bicep' = if (isProduction) {
  name: 'alerts'
  params: {
    location: location
    appInsightsName: names.appInsights
    actionGroupId: alertActionGroupId
    freshnessP99TargetMs: freshnessP99TargetMs
    http5xxRatePercent: http5xxRatePercent
    tags: commonTags
  }
  dependsOn: [
    monitoring
  ]
}

// Production: CanNotDelete locks on the resources that hold data. After everything else (rbac depends on all of them),
// so a failed first deployment can still be cleaned up before the locks exist.
module locks 'modules/locks.bicep' = if (isProduction) {
  name: 'locks'
  params: {
    cosmosAccountName: names.cosmos
    eventHubsNamespaceName: names.eventHubsNamespace
    storageAccountName: names.storage
    workspaceName: names.workspace
  }
  dependsOn: [
    rbac
    network
  ]
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
output workbookId string = workbook.outputs.workbookId
