// Cosmos DB for NoSQL: serverless by default (billed per RU consumed), or provisioned
// autoscale throughput per container (a maximum RU/s each; `./th plan` sizes them from the traffic). Key (local) authentication is disabled: the
// app connects to Cosmos__Endpoint with its managed identity and holds the built-in
// "Cosmos DB Built-in Data Contributor" SQL role (see rbac.bicep).
//
// Indexing: the app never queries users (point reads by id + partition key only), so that
// container indexes nothing; progress is only queried (by the FlushRollups timer) on consumerGroup and rollupPending,
// so it indexes just those two paths. Excluding everything else cuts the RU charge of writes. items (one document per
// item, written by the itemshard entities) and leaderboards (one document per type and hour / all time) are point
// reads and writes by id only; leaderboards has TTL on (no default) so that hour documents expire by their own `ttl`
// (docs/data-model.md#cross-partition-rollups).

@description('Azure region.')
param location string

@description('Cosmos DB account name.')
param accountName string

@description('Database name (the Cosmos__Database app setting).')
param databaseName string

import { cosmosCapacitySettings } from '../types.bicep'

@description('Serverless (pay per RU) or Autoscale with a maximum RU/s per container (validated by the type).')
param capacity cosmosCapacitySettings

@description('Deploy the "baseline" container used only by the per-event benchmark strategy.')
param deployBaselineContainer bool

@description('Retention__IdleUserDays: a user document expires this many days after its last write (the users container\'s defaultTtl); 0 = never.')
@minValue(0)
param idleUserDays int

@description('Log Analytics workspace receiving the diagnostic settings.')
param workspaceId string

@description('Production profile: public network access disabled (clients come through the private endpoint, network.bicep) and the account zone-redundant.')
param production bool

@description('Tags applied to every resource.')
param tags object

var isServerless = capacity.mode == 'Serverless'

var noIndexing = {
  indexingMode: 'consistent'
  automatic: true
  includedPaths: []
  excludedPaths: [
    {
      path: '/*'
    }
  ]
}

var containers = concat(
  [
    // Time to live counted from each document's last write, so every write of an active user pushes its expiry back
    // (https://learn.microsoft.com/azure/cosmos-db/nosql/time-to-live).
    union(
      {
        name: 'users'
        partitionKeyPath: '/userId'
        indexingPolicy: noIndexing
        maxThroughput: capacity.?usersMaxThroughput ?? 1000
      },
      idleUserDays > 0 ? { defaultTtl: idleUserDays * 86400 } : {}
    )
    {
      name: 'progress'
      partitionKeyPath: '/partitionId'
      maxThroughput: capacity.?progressMaxThroughput ?? 1000
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/rollupPending/?'
          }
          {
            path: '/consumerGroup/?'
          }
        ]
        excludedPaths: [
          {
            path: '/*'
          }
        ]
      }
    }
    {
      name: 'items'
      partitionKeyPath: '/id'
      indexingPolicy: noIndexing
      maxThroughput: 1000
    }
    {
      name: 'leaderboards'
      partitionKeyPath: '/id'
      indexingPolicy: noIndexing
      maxThroughput: 1000
      defaultTtl: -1
    }
  ],
  deployBaselineContainer
    ? [
        {
          name: 'baseline'
          partitionKeyPath: '/userId'
          indexingPolicy: noIndexing
          maxThroughput: 1000
        }
      ]
    : []
)

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    // Production: only the private endpoint reaches the account
    // (https://learn.microsoft.com/azure/cosmos-db/how-to-configure-private-endpoints#block-public-network-access-during-account-creation).
    publicNetworkAccess: production ? 'Disabled' : 'Enabled'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        // Production: replicas spread over the region's availability zones. Only settable when the account is created,
        // and only in regions with availability zones (https://learn.microsoft.com/azure/reliability/reliability-cosmos-db).
        isZoneRedundant: production
      }
    ]
    capabilities: isServerless
      ? [
          {
            name: 'EnableServerless'
          }
        ]
      : []
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-10-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = [
  for container in containers: {
    parent: database
    name: container.name
    properties: {
      resource: union(
        {
          id: container.name
          partitionKey: {
            paths: [
              container.partitionKeyPath
            ]
            kind: 'Hash'
            version: 2
          }
          indexingPolicy: container.indexingPolicy
        },
        contains(container, 'defaultTtl') ? { defaultTtl: container.defaultTtl } : {}
      )
      // Autoscale: each container scales between 10 % of its maximum and the maximum.
      options: isServerless
        ? {}
        : {
            autoscaleSettings: {
              maxThroughput: container.maxThroughput
            }
          }
    }
  }
]

// See eventhubs.bicep: 2021-05-01-preview is the newest usable diagnosticSettings version
// (Azure/bicep#15992).
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: account
  properties: {
    workspaceId: workspaceId
    // Resource-specific tables (CDBDataPlaneRequests, ...) instead of AzureDiagnostics.
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'Requests'
        enabled: true
      }
    ]
  }
}

output accountName string = account.name
output accountId string = account.id
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
output containerNames array = [for (container, i) in containers: sqlContainers[i].name]
