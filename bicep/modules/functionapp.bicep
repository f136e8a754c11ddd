// Function App on Flex Consumption (Linux, .NET isolated worker 10.0) with a system-assigned
// managed identity. Every connection is identity-based: the app settings below carry endpoints
// and names only, never a key, SAS token or connection string with a secret.
//
// The app-settings contract is local.settings.sample.json at the repository root: every key of
// its "Values" appears here under the same name, except the local-only keys listed in
// docs/deploy.md (checked by tests/TreasureHunt.Infra.Tests).

@description('Azure region.')
param location string

@description('Function App name.')
param functionAppName string

@description('Flex Consumption plan name.')
param planName string

@description('Instance memory in MB (Flex Consumption sizes). Also published to the app as FinOps__InstanceMemoryMb.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMb int

@description('Upper bound of instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Storage account of the host (AzureWebJobsStorage) and the app tables.')
param storageAccountName string

@description('Blob container URL that holds the deployment package.')
param deploymentContainerUrl string

@description('Table service endpoint (Tables__ServiceUri).')
param tableEndpoint string

@description('Event Hubs namespace host name (EventHubConnection__fullyQualifiedNamespace).')
param eventHubsFullyQualifiedNamespace string

@description('Event hub name (EventHubName).')
param eventHubName string

@description('Consumer group (EventHubConsumerGroup).')
param eventHubConsumerGroup string

@description('Cosmos DB account endpoint (Cosmos__Endpoint).')
param cosmosEndpoint string

@description('Cosmos DB database name (Cosmos__Database).')
param cosmosDatabaseName string

@description('Durable task hub name (TaskHubName).')
param taskHubName string

@description('Application Insights connection string (identifies the ingestion endpoint; no key is honoured because local auth is disabled).')
param appInsightsConnectionString string

@description('Aggregation__DuplicateHorizonMinutes: window in which a repeated event id is dropped.')
@minValue(1)
param duplicateHorizonMinutes int

@description('Features__DefinitionsPath: feature-definitions document shipped with the app package (relative to the app root); empty = the default definitions embedded in the app.')
param featureDefinitionsPath string

@description('Rollups__ShardCount: shards of the rollup durable entities.')
@minValue(1)
param rollupShardCount int

@description('Rollups__FlushMaxAgeSeconds: oldest pending rollup delta before a flush.')
@minValue(1)
param rollupFlushMaxAgeSeconds int

@description('Rollups__FlushMinEvents: pending events that trigger a flush.')
@minValue(1)
param rollupFlushMinEvents int

@description('Retention__IdleUserDays: days after its last write before a user document expires (0 = never); the users container\'s defaultTtl carries the same number.')
@minValue(0)
param idleUserDays int

@description('Production profile: VNet integration into the given subnet, a zone-redundant plan and a diagnostic setting.')
param production bool

@description('Subnet delegated to Microsoft.App/environments the app sends its outbound traffic through (production; network.bicep).')
param virtualNetworkSubnetId string

@description('Log Analytics workspace receiving the diagnostic setting (production).')
param workspaceId string

@description('Retention__ErasureTombstoneDays: days a partition\'s progress remembers an erased user (at least the event hub\'s retention).')
@minValue(1)
param erasureTombstoneDays int

@description('Tags applied to every resource.')
param tags object

@description('Microsoft Entra ID tenant of the API\'s app registration.')
param entraTenantId string

@description('Application (client) id of the API\'s app registration (app roles TreasureHunt.Read, TreasureHunt.Operate); empty = no App Service Authentication, and the app answers 401 to every route but liveness.')
param entraClientId string

@description('SHA-256 (hex) of a reader key callers may send in x-functions-key instead of a token; empty = tokens only.')
param readerKeySha256 string

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
    // Production: instances spread over the region's availability zones (Flex Consumption supports it where the region
    // has zones; https://learn.microsoft.com/azure/azure-functions/functions-zone-redundancy).
    zoneRedundant: production
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: functionAppName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    // The HTTP API stays public (clients call it); production sends the app's outbound traffic (storage, Event Hubs,
    // Cosmos DB) through the integrated subnet to the private endpoints
    // (https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#virtual-network-integration).
    publicNetworkAccess: 'Enabled'
    virtualNetworkSubnetId: production ? virtualNetworkSubnetId : null
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // FUNCTIONS_WORKER_RUNTIME is not an app setting on Flex Consumption:
      // functionAppConfig.runtime below sets it.
      // A literal list (not a loop) so the compiled template names every key: the infra tests
      // compare these names with local.settings.sample.json.
      appSettings: [
        // Host storage and durable task hub: identity-based connection (no AzureWebJobsStorage
        // connection string). The host derives the blob/queue/table URIs from the account name.
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storageAccountName
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'TaskHubName'
          value: taskHubName
        }
        // Event Hubs trigger connection "EventHubConnection": identity-based.
        {
          name: 'EventHubConnection__fullyQualifiedNamespace'
          value: eventHubsFullyQualifiedNamespace
        }
        {
          name: 'EventHubName'
          value: eventHubName
        }
        {
          name: 'EventHubConsumerGroup'
          value: eventHubConsumerGroup
        }
        // Cosmos DB: endpoint + managed identity (no Cosmos__Key in Azure).
        {
          name: 'Cosmos__Endpoint'
          value: cosmosEndpoint
        }
        {
          name: 'Cosmos__Database'
          value: cosmosDatabaseName
        }
        // RU estimation is a local/emulator aid; in Azure the real request charge is recorded.
        {
          name: 'Cosmos__EstimateRequestUnits'
          value: 'false'
        }
        // Azure Tables (cost ledger, dead letters, checkpoints): service URI + managed identity.
        {
          name: 'Tables__ServiceUri'
          value: tableEndpoint
        }
        {
          // An event older than this many days before its enqueue time is dead-lettered too_old (the longest window of the
          // default definitions, day:35).
          name: 'Contract__MaxEventAgeDays'
          value: '35'
        }
        {
          name: 'Aggregation__DuplicateHorizonMinutes'
          value: string(duplicateHorizonMinutes)
        }
        {
          name: 'Features__DefinitionsPath'
          value: featureDefinitionsPath
        }
        {
          // How often the app re-reads the definitions registry (served version, back-filled versions to keep current).
          name: 'Features__RegistryRefreshSeconds'
          value: '5'
        }
        {
          name: 'Rollups__ShardCount'
          value: string(rollupShardCount)
        }
        {
          name: 'Rollups__FlushMaxAgeSeconds'
          value: string(rollupFlushMaxAgeSeconds)
        }
        {
          name: 'Rollups__FlushMinEvents'
          value: string(rollupFlushMinEvents)
        }
        // Idle users' time to live: cosmos.bicep sets it on 'users' (and docs/deploy.md on back-fill containers); the app reads it for the local emulator's containers.
        {
          name: 'Retention__IdleUserDays'
          value: string(idleUserDays)
        }
        // Erased users' tombstones in the progress documents (docs/data-model.md, "Erasure").
        {
          name: 'Retention__ErasureTombstoneDays'
          value: string(erasureTombstoneDays)
        }
        // FinOps model: the same number as functionAppConfig.scaleAndConcurrency.instanceMemoryMB.
        {
          name: 'FinOps__InstanceMemoryMb'
          value: string(instanceMemoryMb)
        }
        // The .NET GC's smallest gen-0 budget, 128 MB (hex, as the runtime reads it): the runtime takes it from the
        // process environment, which app settings are. With the default budget (about 10 MB on the 2-core machine
        // the local bench ran on) a batch's objects outlive gen 0 and most collections were gen 1; with 128 MB the
        // host used half the CPU per event (docs/BENCHMARKS.md, "The gen-0 budget"). Knob: GCgen0size in
        // dotnet/runtime src/coreclr/gc/gcconfig.h ("Specifies the smallest gen0 budget"; no runtimeconfig.json name).
        {
          name: 'DOTNET_GCgen0size'
          value: '0x8000000'
        }
        // Application Insights with Entra ID authentication (local auth is off on the component).
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsightsConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'Authorization=AAD'
        }
        // Who may call what (docs/functions.md, "Roles"): the worker takes the caller's app roles from the principal
        // App Service Authentication forwards, only when the authentication below is on (it alone sets that header).
        {
          name: 'Access__EasyAuth'
          value: string(!empty(entraClientId))
        }
        // A reader key's hash, never the key: the worker compares the presented key's SHA-256 with it.
        {
          name: 'Access__ReaderKeySha256'
          value: readerKeySha256
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMb
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// App Service Authentication with Microsoft Entra ID (https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad,
// template reference https://learn.microsoft.com/azure/templates/microsoft.web/sites/config-authsettingsv2): the platform
// validates the bearer token (issuer: the tenant; audience: the app registration) before the app runs and refuses a
// request without one with 401 — except liveness and the OpenAPI document. With a reader key enabled, tokenless
// requests must reach the worker (which checks the key, and answers 401 without one), so the platform lets them through.
// The worker checks the app role of every route (TreasureHunt.Read, TreasureHunt.Operate) from X-MS-CLIENT-PRINCIPAL.
resource authSettings 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(entraClientId)) {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: empty(readerKeySha256)
      unauthenticatedClientAction: empty(readerKeySha256) ? 'Return401' : 'AllowAnonymous'
      excludedPaths: [
        '/api/health'
        '/api/openapi.json'
      ]
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0'
        }
        validation: {
          // Tokens a service gets for the scope api://{clientId}/.default carry this audience (v1) or the client id (v2).
          allowedAudiences: [
            'api://${entraClientId}'
            entraClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

// No publishing credentials: FTP and SCM basic authentication are off, deployments use Entra ID.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// Production: the platform's logs (FunctionAppLogs) and metrics
// (https://learn.microsoft.com/azure/azure-functions/monitor-functions-reference#resource-logs).
// See eventhubs.bicep: 2021-05-01-preview is the newest usable diagnosticSettings version (Azure/bicep#15992).
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (production) {
  name: 'to-log-analytics'
  scope: functionApp
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

output functionAppName string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
output principalId string = functionApp.identity.principalId
