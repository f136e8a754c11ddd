// Cosmos DB for NoSQL: serverless by default (billed per RU consumed), or provisioned
// autoscale throughput shared at database level. Key (local) authentication is disabled: the
// app connects to Cosmos__Endpoint with its managed identity and holds the built-in
// "Cosmos DB Built-in Data Contributor" SQL role (see rbac.bicep).
//
// Indexing: the app never queries users (point reads by id + partition key only), so that
// container indexes nothing; progress is only queried (by the FlushRollups timer) on consumerGroup and rollupPending,
// so it indexes just those two paths. Excluding everything else cuts the RU charge of writes.

@description('Azure region.')
param location string

@description('Cosmos DB account name.')
param accountName string

@description('Database name (the Cosmos__Database app setting).')
param databaseName string

@description('Serverless (pay per RU) or Autoscale (provisioned, shared by the containers at database level).')
@allowed([
  'Serverless'
  'Autoscale'
])
param capacityMode string

@description('Autoscale maximum RU/s of the database (used only when capacityMode is Autoscale).')
@minValue(1000)
param autoscaleMaxThroughput int

@description('Deploy the "baseline" container used only by the per-event benchmark strategy.')
param deployBaselineContainer bool

@description('Log Analytics workspace receiving the diagnostic settings.')
param workspaceId string

@description('Tags applied to every resource.')
param tags object

var isServerless = capacityMode == 'Serverless'

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
    {
      name: 'users'
      partitionKeyPath: '/userId'
      indexingPolicy: noIndexing
    }
    {
      name: 'progress'
      partitionKeyPath: '/partitionId'
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
  ],
  deployBaselineContainer
    ? [
        {
          name: 'baseline'
          partitionKeyPath: '/userId'
          indexingPolicy: noIndexing
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
    publicNetworkAccess: 'Enabled'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
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
    options: isServerless
      ? {}
      : {
          autoscaleSettings: {
            maxThroughput: autoscaleMaxThroughput
          }
        }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = [
  for container in containers: {
    parent: database
    name: container.name
    properties: {
      resource: {
        id: container.name
        partitionKey: {
          paths: [
            container.partitionKeyPath
          ]
          kind: 'Hash'
          version: 2
        }
        indexingPolicy: container.indexingPolicy
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
