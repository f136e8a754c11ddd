// Event Hubs: Standard namespace, the ingest hub, and the consumer group the aggregator reads
// with (the EventHubConsumerGroup app setting). SAS (local) authentication is disabled: the app
// connects with EventHubConnection__fullyQualifiedNamespace and its managed identity.

@description('Azure region.')
param location string

@description('Event Hubs namespace name.')
param namespaceName string

@description('Event hub name (the EventHubName app setting).')
param eventHubName string

@description('Consumer group the Function App reads with (the EventHubConsumerGroup app setting).')
param consumerGroupName string

@description('Partitions of the hub. Standard allows at most 32; it cannot be changed after creation on Standard.')
@minValue(1)
@maxValue(32)
param partitionCount int

@description('Throughput units (1 TU = 1 MB/s or 1000 events/s ingress, 2 MB/s egress).')
@minValue(1)
@maxValue(40)
param throughputUnits int

@description('Upper bound of throughput units for auto-inflate (0 = auto-inflate off).')
@minValue(0)
@maxValue(40)
param maximumThroughputUnits int

@description('Event retention in hours (Standard: at most 168).')
@minValue(1)
@maxValue(168)
param retentionHours int

@description('Log Analytics workspace receiving the diagnostic settings.')
param workspaceId string

@description('Tags applied to every resource.')
param tags object

resource namespace 'Microsoft.EventHub/namespaces@2026-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: throughputUnits
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    isAutoInflateEnabled: maximumThroughputUnits > 0
    maximumThroughputUnits: maximumThroughputUnits
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2026-01-01' = {
  parent: namespace
  name: eventHubName
  properties: {
    partitionCount: partitionCount
    retentionDescription: {
      cleanupPolicy: 'Delete'
      retentionTimeInHours: retentionHours
    }
  }
}

resource consumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2026-01-01' = {
  parent: hub
  name: consumerGroupName
  properties: {
    userMetadata: 'Treasure Hunt Engine aggregator (Azure Functions Event Hubs trigger)'
  }
}

// Bicep's use-recent-api-versions rule only offers the legacy 2016-09-01 "service" diagnostic
// setting type, which has no categoryGroup support; 2021-05-01-preview is the newest real
// version (Azure/bicep#15992).
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: namespace
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output namespaceName string = namespace.name
output namespaceId string = namespace.id
output eventHubName string = hub.name
output eventHubId string = hub.id
output consumerGroupName string = consumerGroup.name
@description('Host name of the namespace (e.g. <name>.servicebus.windows.net), taken from the endpoint so it is cloud-agnostic.')
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]
