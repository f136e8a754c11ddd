// Event Hubs: a Standard or Premium namespace, or a namespace in a Dedicated cluster (the `capacity` object's tier,
// see ../types.bicep), the ingest hub, and the consumer group the aggregator reads with (the EventHubConsumerGroup app
// setting). SAS (local) authentication is disabled: the app connects with EventHubConnection__fullyQualifiedNamespace
// and its managed identity. Capture (optional) writes Avro to the storage account with the namespace's own
// system-assigned identity (Storage Blob Data Contributor on the capture container): no key, no SAS. A lifecycle rule
// deletes the capture files after captureRetentionDays (they hold raw events an erasure cannot rewrite).

import { eventHubsTierSettings } from '../types.bicep'

@description('Azure region.')
param location string

@description('Event Hubs namespace name.')
param namespaceName string

@description('Event hub name (the EventHubName app setting).')
param eventHubName string

@description('Consumer group the Function App reads with (the EventHubConsumerGroup app setting).')
param consumerGroupName string

@description('Tier, units, partitions and retention (validated per tier by the type).')
param capacity eventHubsTierSettings

@description('Event Hubs Capture: every event also written as Avro to the storage account (the durable history for back-fills and replays).')
param captureEnabled bool

@description('Storage account that receives the capture files.')
param storageAccountName string

@description('Blob container of the capture files.')
param captureContainerName string

@description('Days after which the lifecycle rule deletes a capture file (the erasure deadline bounds it: docs/deploy.md, "Capture files and erasure").')
@minValue(1)
@maxValue(30)
param captureRetentionDays int

@description('Log Analytics workspace receiving the diagnostic settings.')
param workspaceId string

@description('Production profile: public network access disabled (clients come through the private endpoint, network.bicep) and the namespace zone-redundant.')
param production bool

@description('Tags applied to every resource.')
param tags object

var isStandard = capacity.tier == 'Standard'
var isPremium = capacity.tier == 'Premium'
var isDedicated = capacity.tier == 'Dedicated'

// Built-in role "Storage Blob Data Contributor" (identical in every tenant).
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

// Dedicated: the single-tenant cluster that carries the namespace (capacity units; 4-hour minimum charge).
resource cluster 'Microsoft.EventHub/clusters@2026-01-01' = if (isDedicated) {
  name: '${namespaceName}-cluster'
  location: location
  tags: tags
  sku: {
    name: 'Dedicated'
    capacity: capacity.?capacityUnits ?? 1
  }
}

resource namespace 'Microsoft.EventHub/namespaces@2026-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  // The identity Capture writes with.
  identity: {
    type: 'SystemAssigned'
  }
  // A namespace in a Dedicated cluster takes its capacity from the cluster (clusterArmId); it is declared with the
  // Standard SKU, as Microsoft's "Event Hubs cluster, namespace and event hub" quickstart template does.
  sku: {
    name: isPremium ? 'Premium' : 'Standard'
    tier: isPremium ? 'Premium' : 'Standard'
    capacity: isStandard ? (capacity.?throughputUnits ?? 1) : (isPremium ? (capacity.?processingUnits ?? 1) : 1)
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    // Production: only the private endpoint reaches the namespace (Standard, Premium and Dedicated support private
    // endpoints: https://learn.microsoft.com/azure/event-hubs/private-link-service).
    publicNetworkAccess: production ? 'Disabled' : 'Enabled'
    // Every tier but Basic is zone-redundant in a region with availability zones, whatever this flag says; it is set so
    // the template states the intent (https://learn.microsoft.com/azure/reliability/reliability-event-hubs).
    zoneRedundant: production
    isAutoInflateEnabled: isStandard && (capacity.?maximumThroughputUnits ?? 0) > 0
    maximumThroughputUnits: isStandard ? (capacity.?maximumThroughputUnits ?? 0) : 0
    clusterArmId: isDedicated ? cluster.id : null
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'
  }
}

resource captureContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = if (captureEnabled) {
  parent: storage::blobService
  name: captureContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The namespace identity may write capture files into that one container, nothing else.
resource captureWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (captureEnabled) {
  name: guid(storage.id, namespace.id, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor))
  scope: captureContainer
  properties: {
    principalId: namespace.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
  }
}

// Capture files are deleted by age rather than rewritten on erasure: a file deleted after N days takes an erased user's
// raw events with it at most N days (plus the rule's daily run) after the erasure, with no Avro rewriting and no
// per-user index. Blobs of a partition are written in time order, so what is left is always the newest part of each
// partition: an erase control message is never deleted before the events it erased. The account's only management
// policy (there is one per account, named 'default').
resource captureLifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-06-01' = if (captureEnabled) {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-capture-files'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${captureContainerName}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterCreationGreaterThan: captureRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    captureContainer
  ]
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2026-01-01' = {
  parent: namespace
  name: eventHubName
  properties: {
    partitionCount: capacity.partitionCount
    retentionDescription: {
      cleanupPolicy: 'Delete'
      retentionTimeInHours: capacity.retentionHours
    }
    captureDescription: captureEnabled
      ? {
          enabled: true
          encoding: 'Avro'
          intervalInSeconds: 300
          sizeLimitInBytes: 314572800
          skipEmptyArchives: true
          destination: {
            name: 'EventHubArchive.AzureBlockBlob'
            identity: {
              type: 'SystemAssigned'
            }
            properties: {
              storageAccountResourceId: storage.id
              blobContainer: captureContainerName
              archiveNameFormat: '{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}'
            }
          }
        }
      : null
  }
  // Capture checks that it can write when it is enabled: grant first.
  dependsOn: [
    captureWriter
  ]
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
