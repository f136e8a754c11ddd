// The live dashboard's panels as an Azure Monitor workbook over the app's OpenTelemetry (docs/observability.md):
// the pipeline's metrics (meter TreasureHunt.Pipeline → Application Insights customMetrics, attributes in
// customDimensions) and spans (ProcessBatch → dependencies). Application Insights keeps a histogram as
// count/sum/min/max per minute, so freshness percentiles come from the per-batch span attribute
// th.freshness.max_ms (each batch's oldest event) and the mean from the th.freshness histogram.
// Item ids are deliberately not in telemetry (cardinality): the leaderboard panel links to GET /api/leaderboard.

@description('Azure region.')
param location string

@description('Application Insights component the workbook reads (its sourceId).')
param appInsightsName string

@description('Host name of the Function App (for the leaderboard link).')
param functionAppHostName string

@description('Tags applied to every resource.')
param tags object

var events = 'customMetrics | where name == "th.events.in" | summarize events = sum(valueSum) by bin(timestamp, 1m)'

// The KQL charts of the workbook (name, title, query, visualization).
var charts = [
  {
    name: 'events-per-second'
    title: 'Events per second'
    query: '${events} | project timestamp, eventsPerSecond = events / 60.0'
    visualization: 'timechart'
  }
  {
    name: 'freshness'
    title: 'Freshness (enqueue → aggregate written), ms: p50/p99 of each batch\'s oldest event, and the mean'
    query: 'let perBatch = dependencies | where name == "ProcessBatch" | extend f = todouble(customDimensions["th.freshness.max_ms"]) | where isnotnull(f) | summarize p50 = percentile(f, 50), p99 = percentile(f, 99) by bin(timestamp, 1m); let mean = customMetrics | where name == "th.freshness" | summarize mean = sum(valueSum) / sum(valueCount) by bin(timestamp, 1m); perBatch | join kind=fullouter mean on timestamp | project timestamp = coalesce(timestamp, timestamp1), p50, p99, mean'
    visualization: 'timechart'
  }
  {
    name: 'cost'
    title: '$ per million events and query $ per hour (modeled)'
    query: 'customMetrics | where name == "th.cost.usd" | extend trigger = tostring(customDimensions.trigger) | summarize processing = sumif(valueSum, trigger != "http"), query = sumif(valueSum, trigger == "http") by bin(timestamp, 5m) | join kind=leftouter (customMetrics | where name == "th.events.in" | summarize events = sum(valueSum) by bin(timestamp, 5m)) on timestamp | project timestamp, usdPerMillionEvents = iff(events > 0, processing / events * 1e6, real(null)), queryUsdPerHour = query * 12'
    visualization: 'timechart'
  }
  {
    name: 'per-event'
    title: 'Cosmos RU and store writes per event'
    query: 'customMetrics | where name in ("th.cosmos.ru.charged", "th.store.writes") and tostring(customDimensions.trigger) != "http" | summarize ru = sumif(valueSum, name == "th.cosmos.ru.charged"), writes = sumif(valueSum, name == "th.store.writes") by bin(timestamp, 5m) | join kind=inner (customMetrics | where name == "th.events.in" | summarize events = sum(valueSum) by bin(timestamp, 5m)) on timestamp | where events > 0 | project timestamp, ruPerEvent = ru / events, storeWritesPerEvent = writes / events'
    visualization: 'timechart'
  }
  {
    name: 'dead-letters'
    title: 'Dead letters (and parked messages) by reason'
    query: 'customMetrics | where name in ("th.events.deadlettered", "th.events.parked") | summarize messages = sum(valueSum) by reason = strcat(tostring(customDimensions.reason), iff(name == "th.events.parked", " (parked)", "")) | order by messages desc'
    visualization: 'barchart'
  }
  {
    name: 'partition-lag'
    title: 'Entity lag (range sent → applied) by source partition, ms: mean and max; partition hold time'
    query: 'customMetrics | where name in ("th.entity.lag", "th.partition.hold_time") | summarize mean = sum(valueSum) / sum(valueCount), max = max(valueMax) by bin(timestamp, 5m), series = strcat(name, " p", tostring(customDimensions.partition))'
    visualization: 'timechart'
  }
]

var workbookContent = {
  version: 'Notebook/1.0'
  items: [
    {
      type: 9
      name: 'parameters'
      content: {
        version: 'KqlParameterItem/1.0'
        parameters: [
          {
            id: 'time-range'
            version: 'KqlParameterItem/1.0'
            name: 'TimeRange'
            type: 4
            isRequired: true
            value: {
              durationMs: 3600000
            }
            typeSettings: {
              selectableValues: [
                { durationMs: 900000 }
                { durationMs: 3600000 }
                { durationMs: 14400000 }
                { durationMs: 86400000 }
                { durationMs: 604800000 }
              ]
            }
          }
        ]
      }
    }
    ...map(charts, c => {
      type: 3
      name: c.name
      content: {
        version: 'KqlItem/1.0'
        title: c.title
        query: c.query
        size: 0
        queryType: 0
        resourceType: 'microsoft.insights/components'
        timeContextFromParameter: 'TimeRange'
        visualization: c.visualization
      }
      customWidth: '50'
    })
    {
      type: 1
      name: 'leaderboard'
      content: {
        json: '### This hour\'s leaderboard\nItem ids are not sent to telemetry (unbounded cardinality). Open [GET /api/leaderboard?type=click&window=hour](https://${functionAppHostName}/api/leaderboard?type=click&window=hour&top=10) with the function key in the `x-functions-key` header, or the local dashboard (`./th demo`).'
      }
      customWidth: '50'
    }
  ]
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, appInsightsName, 'treasure-hunt-dashboard')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Treasure Hunt Engine — cost and freshness'
    category: 'workbook'
    sourceId: resourceId('Microsoft.Insights/components', appInsightsName)
    serializedData: string(workbookContent)
  }
}

output workbookId string = workbook.id
