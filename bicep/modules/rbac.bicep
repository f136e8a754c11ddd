// Data-plane role assignments of the Function App's managed identity. Nothing in this
// deployment uses keys, so these assignments are the only way in. Each assignment name is a
// deterministic guid(scope, principal, role definition): redeploying is idempotent.

@description('Object (principal) id of the Function App system-assigned identity.')
param principalId string

@description('Storage account of the host and the app tables.')
param storageAccountName string

@description('Event Hubs namespace name.')
param eventHubsNamespaceName string

@description('Event hub the app consumes.')
param eventHubName string

@description('Grant "Azure Event Hubs Data Sender" too (the app sends erase control messages).')
param appProducesEvents bool

@description('Cosmos DB account name.')
param cosmosAccountName string

@description('Application Insights component name.')
param appInsightsName string

// Built-in Azure role definition ids (identical in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  eventHubsDataReceiver: 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
  eventHubsDataSender: '2b629674-e913-4c01-ae53-ef4638d8f975'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Cosmos DB built-in data-plane role "Cosmos DB Built-in Data Contributor".
var cosmosDataContributorRoleId = '00000000-0000-0000-0000-000000000002'

// Host storage: Blob Data Owner (leases, deployment package), Queue Data Contributor (durable
// task hub queues), Table Data Contributor (durable history/instances, cost ledger, dead
// letters, checkpoints).
var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource namespace 'Microsoft.EventHub/namespaces@2026-01-01' existing = {
  name: eventHubsNamespaceName

  resource hub 'eventhubs' existing = {
    name: eventHubName
  }
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' existing = {
  name: cosmosAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoles: {
    name: guid(storage.id, principalId, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId))
    scope: storage
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

// Scoped to the hub, not the namespace: least privilege.
resource eventHubsReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(
    namespace::hub.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataReceiver)
  )
  scope: namespace::hub
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataReceiver)
  }
}

resource eventHubsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (appProducesEvents) {
  name: guid(
    namespace::hub.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataSender)
  )
  scope: namespace::hub
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataSender)
  }
}

// Telemetry ingestion with Entra ID (Application Insights has local auth disabled).
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(
    appInsights.id,
    principalId,
    subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  )
  scope: appInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.monitoringMetricsPublisher
    )
  }
}

// Cosmos DB data plane is authorised by its own SQL RBAC, not by Azure role assignments.
resource cosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-10-15' = {
  parent: cosmos
  name: guid(cosmos.id, principalId, cosmosDataContributorRoleId)
  properties: {
    principalId: principalId
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributorRoleId}'
    scope: cosmos.id
  }
}
