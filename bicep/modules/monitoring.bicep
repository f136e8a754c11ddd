// Monitoring: a Log Analytics workspace and a workspace-based Application Insights component.
// Local (instrumentation-key) authentication is disabled: telemetry is accepted only with an
// Entra ID token, so the Function App sends it with its managed identity
// (APPLICATIONINSIGHTS_AUTHENTICATION_STRING = 'Authorization=AAD') and holds the
// "Monitoring Metrics Publisher" role on the component (see rbac.bicep).

@description('Azure region.')
param location string

@description('Log Analytics workspace name.')
param workspaceName string

@description('Application Insights component name.')
param appInsightsName string

@description('Days of log retention in the workspace.')
@minValue(30)
@maxValue(730)
param retentionInDays int

@description('Daily ingestion cap of the workspace in GB (-1 = no cap).')
param dailyQuotaGb int

@description('Production profile: the workspace\'s own audit logs (queries run against it) go to itself.')
param production bool

@description('Tags applied to every resource.')
param tags object

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    // Daily ingestion cap: ingestion stops for the rest of the day once reached (alerts on the app's telemetry go
    // quiet with it), so production sets it well above the expected volume
    // (https://learn.microsoft.com/azure/azure-monitor/logs/daily-cap).
    workspaceCapping: {
      dailyQuotaGb: dailyQuotaGb
    }
    features: {
      // Only Entra ID (resource or workspace RBAC) may read the data.
      enableLogAccessUsingOnlyResourcePermissions: true
      disableLocalAuth: true
    }
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

// Production: the workspace's query audit (LAQueryLogs) and metrics
// (https://learn.microsoft.com/azure/azure-monitor/logs/query-audit). The Application Insights component has no
// setting of its own: it is workspace-based, so its telemetry already lands in this workspace, and a diagnostic
// setting would store it twice (https://learn.microsoft.com/azure/azure-monitor/app/create-workspace-resource).
// See eventhubs.bicep: 2021-05-01-preview is the newest usable diagnosticSettings version (Azure/bicep#15992).
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (production) {
  name: 'to-log-analytics'
  scope: workspace
  properties: {
    workspaceId: workspace.id
    logs: [
      {
        categoryGroup: 'audit'
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

output workspaceId string = workspace.id
output appInsightsName string = appInsights.name
@description('The connection string identifies the ingestion endpoint; with DisableLocalAuth it grants nothing on its own.')
output appInsightsConnectionString string = appInsights.properties.ConnectionString
