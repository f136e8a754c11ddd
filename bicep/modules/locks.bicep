// Production: a CanNotDelete lock on each resource that holds data (the Cosmos DB account, the Event Hubs namespace,
// the storage account, the Log Analytics workspace), so neither a mistaken `azd down` nor a portal click deletes them;
// a lock must be removed on purpose first. Reads and writes are unaffected.
// https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources

@description('Cosmos DB account name.')
param cosmosAccountName string

@description('Event Hubs namespace name.')
param eventHubsNamespaceName string

@description('Storage account name.')
param storageAccountName string

@description('Log Analytics workspace name.')
param workspaceName string

var notes = 'Treasure Hunt Engine production data: remove this lock on purpose before deleting (docs/deploy.md, "Production profile").'

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' existing = {
  name: cosmosAccountName
}

resource eventHubsNamespace 'Microsoft.EventHub/namespaces@2026-01-01' existing = {
  name: eventHubsNamespaceName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' existing = {
  name: workspaceName
}

resource cosmosLock 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'do-not-delete'
  scope: cosmos
  properties: {
    level: 'CanNotDelete'
    notes: notes
  }
}

resource eventHubsLock 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'do-not-delete'
  scope: eventHubsNamespace
  properties: {
    level: 'CanNotDelete'
    notes: notes
  }
}

resource storageLock 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'do-not-delete'
  scope: storage
  properties: {
    level: 'CanNotDelete'
    notes: notes
  }
}

resource workspaceLock 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'do-not-delete'
  scope: workspace
  properties: {
    level: 'CanNotDelete'
    notes: notes
  }
}
