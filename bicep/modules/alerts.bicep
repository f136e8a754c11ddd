// Production alerts: four log search alert rules over the app's OpenTelemetry in Application Insights
// (docs/observability.md names every instrument and span attribute), each notifying the given action group.
// Log search alerts: https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule
// Resource schema: https://learn.microsoft.com/azure/templates/microsoft.insights/scheduledqueryrules
// Application Insights keeps a metric as count/sum/min/max per minute in customMetrics (valueMax is the minute's
// largest value): https://learn.microsoft.com/azure/azure-monitor/app/opentelemetry-add-modify#add-custom-metrics

@description('Azure region.')
param location string

@description('Application Insights component the rules query.')
param appInsightsName string

@description('Resource id of the action group every rule notifies; empty = the rules fire in the portal only.')
param actionGroupId string

@description('Target of the p99 freshness (enqueue → aggregate readable), in milliseconds.')
@minValue(1)
param freshnessP99TargetMs int

@description('Share of HTTP requests answered 5xx, in percent, above which the 5xx rule fires.')
@minValue(1)
@maxValue(100)
param http5xxRatePercent int

@description('Tags applied to every resource.')
param tags object

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// Each rule: one query whose measure column is compared with the threshold every evaluationFrequency over windowSize.
var rules = [
  {
    // PartitionHolds' gauge: how long the longest-held partition (its batch failing and being retried, never
    // skipped) has been held. More than 5 minutes means a partition stopped advancing.
    name: 'partition-held-over-5-minutes'
    description: 'A partition has been held (its batch retried) for more than 5 minutes: th.partitions.held.max_seconds > 300.'
    severity: 1
    query: 'customMetrics | where name == "th.partitions.held.max_seconds" | summarize heldSeconds = max(valueMax) by bin(timestamp, 1m), cloud_RoleInstance'
    measure: 'heldSeconds'
    aggregation: 'Maximum'
    threshold: 300
    frequency: 'PT5M'
    window: 'PT5M'
  }
  {
    // A parked message waits for `th replay-parked`: any is worth a look (docs/data-model.md, "Never lose, never stall").
    name: 'messages-parked'
    description: 'Messages were parked for a later retry: th.events.parked > 0.'
    severity: 2
    query: 'customMetrics | where name == "th.events.parked" | summarize parked = sum(valueSum) by bin(timestamp, 5m)'
    measure: 'parked'
    aggregation: 'Total'
    threshold: 0
    frequency: 'PT5M'
    window: 'PT15M'
  }
  {
    // p99 over the ProcessBatch spans of each batch's oldest applied event (th.freshness.max_ms): an upper bound of the
    // per-event p99, which the th.freshness histogram cannot give (Application Insights keeps no buckets).
    name: 'freshness-p99-over-target'
    description: 'p99 freshness (enqueue → aggregate readable, each batch\'s oldest event, th.freshness.max_ms) is over ${freshnessP99TargetMs} ms.'
    severity: 2
    query: 'dependencies | where name == "ProcessBatch" | extend freshnessMs = todouble(customDimensions["th.freshness.max_ms"]) | where isnotnull(freshnessMs) | summarize p99 = percentile(freshnessMs, 99) by bin(timestamp, 5m)'
    measure: 'p99'
    aggregation: 'Maximum'
    threshold: freshnessP99TargetMs
    frequency: 'PT5M'
    window: 'PT15M'
  }
  {
    // The HTTP API's server errors as a share of its requests (the Functions host records each HTTP invocation as a
    // request with its result code).
    name: 'http-5xx-rate'
    description: 'More than ${http5xxRatePercent} % of the Function App\'s HTTP requests answered 5xx.'
    severity: 1
    query: 'requests | summarize total = count(), serverErrors = countif(toint(resultCode) >= 500) by bin(timestamp, 5m) | where total > 0 | extend rate5xxPercent = 100.0 * serverErrors / total'
    measure: 'rate5xxPercent'
    aggregation: 'Maximum'
    threshold: http5xxRatePercent
    frequency: 'PT5M'
    window: 'PT15M'
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [
  for rule in rules: {
    name: 'alert-${rule.name}-${appInsightsName}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.name
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        appInsights.id
      ]
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.aggregation
            metricMeasureColumn: rule.measure
            operator: 'GreaterThan'
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      // Resolve by itself once the condition no longer holds.
      autoMitigate: true
      actions: {
        actionGroups: empty(actionGroupId)
          ? []
          : [
              actionGroupId
            ]
      }
    }
  }
]

output alertRuleNames array = [for (rule, i) in rules: alertRules[i].name]
