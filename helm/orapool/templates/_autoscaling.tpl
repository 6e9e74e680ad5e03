{{/*
Autoscaling helpers: which autoscaler runs, the pool-saturation signals it reads, and their queries.
The signals are recording rules of monitoring/orapool.rules.yml (group orapool-autoscaling), one series
per release (labels namespace, job = this release's Service name, as the ServiceMonitor sets them).
*/}}

{{/* "true" when something scales the Deployment: the chart's HPA or a KEDA ScaledObject. */}}
{{- define "orapool.autoscaled" -}}
{{- if or .Values.autoscaling.enabled .Values.autoscaling.keda.enabled }}true{{ end }}
{{- end }}

{{/*
The pool signals with their targets, as a YAML list: name (for KEDA), record (the recorded series),
external (the External metric name prometheus-adapter serves it as) and target. A target of 0 leaves
the signal out; the in-use ratio is always there.
*/}}
{{- define "orapool.scalingSignals" -}}
{{- $p := .Values.autoscaling.poolSaturation }}
{{- $signals := list (dict "name" "pool-in-use-ratio" "record" "orapool:pool_in_use:ratio" "external" "orapool_pool_in_use_ratio" "target" (include "orapool.configValue" $p.inUseRatio)) }}
{{- if gt (float64 $p.requestsWaiting) 0.0 }}
{{- $signals = append $signals (dict "name" "pool-requests-waiting" "record" "orapool:pool_requests_waiting:avg" "external" "orapool_pool_requests_waiting" "target" (include "orapool.configValue" $p.requestsWaiting)) }}
{{- end }}
{{- if gt (float64 $p.acquireP95Seconds) 0.0 }}
{{- $signals = append $signals (dict "name" "pool-acquire-p95" "record" "orapool:pool_acquire_duration_seconds:p95_rate2m" "external" "orapool_pool_acquire_p95_seconds" "target" (include "orapool.configValue" $p.acquireP95Seconds)) }}
{{- end }}
{{- toYaml $signals }}
{{- end }}

{{/*
The query for one signal, given dict "signal" (from orapool.scalingSignals), "matchers" (label matchers,
without braces) and "hold" (holdOnDatabaseBottleneck). With hold, while orapool:database_bottleneck is 1
the query answers the signal's own target instead: an HPA (KEDA's too) asks for
ceil(replicas x value / target) pods on a Value metric, so it keeps the count it has.
*/}}
{{- define "orapool.signalQuery" -}}
{{- $series := printf "%s{%s}" .signal.record .matchers }}
{{- if .hold }}
{{- printf "(%s unless on (namespace, job) (orapool:database_bottleneck{%s} == 1)) or on (namespace, job) (0 * %s + %s)" $series .matchers $series .signal.target }}
{{- else }}
{{- $series }}
{{- end }}
{{- end }}

{{/* Label matchers of this release's recorded series. */}}
{{- define "orapool.signalMatchers" -}}
{{- printf "namespace=%q, job=%q" (include "orapool.namespace" .) (include "orapool.fullname" .) }}
{{- end }}

{{/* Refusals for the autoscaling values (called from orapool.validate). */}}
{{- define "orapool.validateAutoscaling" -}}
{{- $a := .Values.autoscaling }}
{{- if and $a.enabled $a.keda.enabled }}
{{- fail "autoscaling.enabled and autoscaling.keda.enabled are both true: KEDA makes its own HPA from the ScaledObject, and two HPAs on one Deployment fight over its replicas. Choose one" }}
{{- end }}
{{- if and $a.keda.enabled (not $a.keda.serverAddress) }}
{{- fail "autoscaling.keda.enabled needs autoscaling.keda.serverAddress: the Prometheus URL KEDA queries (e.g. http://prometheus-operated.monitoring.svc:9090)" }}
{{- end }}
{{- if include "orapool.autoscaled" . }}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) }}
{{- fail (printf "autoscaling.minReplicas (%d) must be <= autoscaling.maxReplicas (%d)" (int $a.minReplicas) (int $a.maxReplicas)) }}
{{- end }}
{{- end }}
{{- end }}
