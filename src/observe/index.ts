/**
 * The observatory: attention over time, emerging issues, forecasts. Plain functions with typed
 * results, shared by the CLI and the HTTP API. See docs/OBSERVATORY.md.
 */
export { ObserveCounts, OBSERVE_FILE, dayOfIso, isoOfDay, dayNumber, weekday, dropObserveCounts, type ObservedDoc, type AddResult } from './counts.ts';
export { syncFromStore, addJsonlFiles, STORE_FILE, type SyncResult, type OnProgress } from './sync.ts';
export { emergingOn, scoreDay, mergeTerms, strongTerms, type EmergingItem, type EmergingOptions, type EmergingResult } from './emerging.ts';
export { burstScore, DEFAULT_BURST, type BurstParams, type BurstScore } from './burst.ts';
export { termsOf, observedText } from './terms.ts';
export { isStopword, isStopPair } from './stopwords.ts';
export { forecastSeries, seasonalNaive, maseScale, type Forecast, type ForecastPoint, type ForecastOptions } from './forecast.ts';
export { attention, keyTerms, logLikelihood, bucketStart, type TrendsSource, type AttentionRequest, type AttentionResult, type AttentionSeries, type AttentionBucket, type KeyTerm, type Interval } from './attention.ts';
export { groupStories, type Story, type StoryTerm } from './stories.ts';
export { openDayDocs, type DayDocs, type DayDoc } from './day-docs.ts';
export { clusterStories, type Cluster, type ClusterMember, type ClusterDoc, type ClusterOptions } from './clusters.ts';
export { AlertStore, ALERTS_FILE, publicAlert, MAX_ATTEMPTS, backoffMs, signPayload, verifySignature, toServerSentEvent, type Alert, type AlertSpec, type AlertKind, type AlertEvent, type DeliveryReport } from './alerts.ts';
export { openObservatory, outletOf, type Observatory, type QueryForecast, type ClustersResult } from './observatory.ts';
