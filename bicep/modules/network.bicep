// Production network: a virtual network whose first subnet carries the Function App's outbound traffic (Flex
// Consumption VNet integration) and whose second subnet holds private endpoints for Cosmos DB, Event Hubs and the
// storage account (blob, queue, table), each registered in its privatelink DNS zone linked to the network, so the
// app resolves the services' usual host names to private addresses. The services themselves disable public network
// access (cosmos.bicep, eventhubs.bicep, storage.bicep).
// Flex Consumption networking: https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#virtual-network-integration
// Private endpoint DNS zone names: https://learn.microsoft.com/azure/private-link/private-endpoint-dns

@description('Azure region.')
param location string

@description('Virtual network name.')
param virtualNetworkName string

@description('Address space of the virtual network; the two /24 subnets are its first two.')
param addressPrefix string

@description('Storage account reached through the blob, queue and table private endpoints.')
param storageAccountName string

@description('Event Hubs namespace reached through its private endpoint.')
param eventHubsNamespaceName string

@description('Cosmos DB account reached through its private endpoint.')
param cosmosAccountName string

@description('Log Analytics workspace receiving the virtual network\'s diagnostic settings.')
param workspaceId string

@description('Tags applied to every resource.')
param tags object

// One private endpoint per service sub-resource ("group id"), each with the DNS zone its clients resolve through.
// Zone names per cloud: https://learn.microsoft.com/azure/private-link/private-endpoint-dns (the storage suffix comes
// from environment() so the template stays cloud-agnostic; Cosmos DB and Event Hubs are the public-cloud names).
var endpoints = [
  {
    name: 'cosmos-sql'
    serviceType: 'Microsoft.DocumentDB/databaseAccounts'
    serviceName: cosmosAccountName
    groupId: 'Sql'
    zone: 'privatelink.documents.azure.com'
  }
  {
    name: 'eventhubs-namespace'
    serviceType: 'Microsoft.EventHub/namespaces'
    serviceName: eventHubsNamespaceName
    groupId: 'namespace'
    zone: 'privatelink.servicebus.windows.net'
  }
  {
    name: 'storage-blob'
    serviceType: 'Microsoft.Storage/storageAccounts'
    serviceName: storageAccountName
    groupId: 'blob'
    zone: 'privatelink.blob.${environment().suffixes.storage}'
  }
  {
    name: 'storage-queue'
    serviceType: 'Microsoft.Storage/storageAccounts'
    serviceName: storageAccountName
    groupId: 'queue'
    zone: 'privatelink.queue.${environment().suffixes.storage}'
  }
  {
    name: 'storage-table'
    serviceType: 'Microsoft.Storage/storageAccounts'
    serviceName: storageAccountName
    groupId: 'table'
    zone: 'privatelink.table.${environment().suffixes.storage}'
  }
]

resource virtualNetwork 'Microsoft.Network/virtualNetworks@2025-05-01' = {
  name: virtualNetworkName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        // Flex Consumption integrates with a subnet delegated to Microsoft.App/environments, used by no other app
        // (https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#virtual-network-integration).
        name: 'snet-function-app'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 0)
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        // Private endpoints take their addresses here (https://learn.microsoft.com/azure/private-link/private-endpoint-overview).
        name: 'snet-private-endpoints'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 1)
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }

  resource functionAppSubnet 'subnets' existing = {
    name: 'snet-function-app'
  }

  resource privateEndpointSubnet 'subnets' existing = {
    name: 'snet-private-endpoints'
  }
}

// Private DNS zones are global resources (https://learn.microsoft.com/azure/dns/private-dns-privatednszone).
resource privateDnsZones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for endpoint in endpoints: {
    name: endpoint.zone
    location: 'global'
    tags: tags
  }
]

// The zone answers only inside networks linked to it (https://learn.microsoft.com/azure/dns/private-dns-virtual-network-links).
resource privateDnsZoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (endpoint, i) in endpoints: {
    parent: privateDnsZones[i]
    name: virtualNetwork.name
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: virtualNetwork.id
      }
    }
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2025-05-01' = [
  for endpoint in endpoints: {
    name: 'pe-${endpoint.name}-${virtualNetworkName}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: virtualNetwork::privateEndpointSubnet.id
      }
      privateLinkServiceConnections: [
        {
          name: endpoint.name
          properties: {
            privateLinkServiceId: resourceId(endpoint.serviceType, endpoint.serviceName)
            groupIds: [
              endpoint.groupId
            ]
          }
        }
      ]
    }
  }
]

// The zone group writes (and keeps current) the endpoint's A record in its zone
// (https://learn.microsoft.com/azure/private-link/private-endpoint-dns-integration).
resource privateDnsZoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-05-01' = [
  for (endpoint, i) in endpoints: {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: replace(endpoint.zone, '.', '-')
          properties: {
            privateDnsZoneId: privateDnsZones[i].id
          }
        }
      ]
    }
  }
]

// See eventhubs.bicep: 2021-05-01-preview is the newest usable diagnosticSettings version (Azure/bicep#15992).
// Virtual network logs and metrics: https://learn.microsoft.com/azure/virtual-network/monitor-virtual-network
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: virtualNetwork
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

output virtualNetworkName string = virtualNetwork.name
output functionAppSubnetId string = virtualNetwork::functionAppSubnet.id
