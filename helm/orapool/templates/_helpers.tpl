{{/* Chart name, overridable. */}}
{{- define "orapool.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-name-orapool, or the release name when it already contains the chart name. */}}
{{- define "orapool.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "orapool.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "orapool.labels" -}}
{{ include "orapool.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
{{ include "orapool.releaseLabels" . }}
{{- end }}

{{/* The labels that name no app pod: chart, manager, project, and the user's commonLabels. */}}
{{- define "orapool.releaseLabels" -}}
helm.sh/chart: {{ include "orapool.chart" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: orapool
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Labels of the helm test pod. Deliberately NOT the selector labels: with them the
pod would become an endpoint of the Service (which it would then call), count
in the PodDisruptionBudget, and fall under the app's NetworkPolicy, whose egress
allows only DNS and the database, so its call to the Service would be dropped.
*/}}
{{- define "orapool.testLabels" -}}
app.kubernetes.io/name: {{ include "orapool.name" . }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: helm-test
{{ include "orapool.releaseLabels" . }}
{{- end }}

{{/* Selector labels: never change them after install (Deployment selectors are immutable). */}}
{{- define "orapool.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orapool.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "orapool.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "orapool.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "orapool.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding the database credentials: the user's own, or the one the chart creates. */}}
{{- define "orapool.credentialsSecretName" -}}
{{- .Values.database.credentials.existingSecret | default (printf "%s-db" (include "orapool.fullname" .)) }}
{{- end }}

{{/* Whether to render monitoring.coreos.com objects: the CRDs are installed, or the user says they will be. */}}
{{- define "orapool.hasPrometheusOperator" -}}
{{- if or .Values.monitoring.assumeCrds (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1") }}true{{- end }}
{{- end }}

{{/* The HTTP port, taken from the PORT setting so probes, Service and container always agree. */}}
{{- define "orapool.port" -}}
{{- .Values.config.PORT | int }}
{{- end }}

{{/*
Rollout surge in pods: an integer, or a percentage of the replica count rounded up
(as Kubernetes rounds maxSurge).
*/}}
{{- define "orapool.surgePods" -}}
{{- $surge := toString .Values.rollout.maxSurge }}
{{- $replicas := include "orapool.peakReplicas" . | int }}
{{- if hasSuffix "%" $surge }}
{{- $pct := trimSuffix "%" $surge | int }}
{{- div (add (mul $replicas $pct) 99) 100 }}
{{- else }}
{{- $surge | int }}
{{- end }}
{{- end }}

{{/* Most replicas that can run at once outside a rollout: autoscaling.maxReplicas when an HPA or KEDA scales, else replicaCount. */}}
{{- define "orapool.peakReplicas" -}}
{{- if include "orapool.autoscaled" . }}{{ .Values.autoscaling.maxReplicas | int }}{{ else }}{{ .Values.replicaCount | int }}{{ end }}
{{- end }}

{{/* Rollout maxUnavailable in pods: an integer, or a percentage of the replica count rounded down (as Kubernetes does). */}}
{{- define "orapool.unavailablePods" -}}
{{- $unavailable := toString .Values.rollout.maxUnavailable }}
{{- $replicas := include "orapool.peakReplicas" . | int }}
{{- if hasSuffix "%" $unavailable }}
{{- div (mul $replicas (trimSuffix "%" $unavailable | int)) 100 }}
{{- else }}
{{- $unavailable | int }}
{{- end }}
{{- end }}

{{/*
Pods that may still hold their sessions while terminating. A terminating pod keeps its pool open
until it has drained (up to terminationGracePeriodSeconds), and the Deployment controller does not
count terminating pods toward maxSurge: it starts the next new pod at once. Each rollout step
terminates up to maxSurge + maxUnavailable old pods, and the next step waits until the new pods have
been available for minReadySeconds. So ceil(grace / minReadySeconds) steps can be draining at once
(every old pod when minReadySeconds is 0); minReadySeconds >= the grace period leaves one step.
With autoscaling, a scale-down followed by a scale-up within the grace period leaves up to
maxReplicas - minReplicas pods draining beside a full set of running ones.
*/}}
{{- define "orapool.drainingPods" -}}
{{- $peak := include "orapool.peakReplicas" . | int }}
{{- $step := add (include "orapool.surgePods" . | int) (include "orapool.unavailablePods" . | int) }}
{{- $grace := include "orapool.terminationGracePeriod" . | int }}
{{- $minReady := .Values.minReadySeconds | int }}
{{- $draining := $peak }}
{{- if gt $minReady 0 }}
{{- $draining = min $peak (mul $step (div (add $grace (sub $minReady 1)) $minReady)) }}
{{- end }}
{{- if include "orapool.autoscaled" . }}
{{- $draining = max $draining (sub (int .Values.autoscaling.maxReplicas) (int .Values.autoscaling.minReplicas)) }}
{{- end }}
{{- $draining }}
{{- end }}

{{/*
Connection budget: every pod opens up to DB_POOL_MAX sessions. The worst case is every pod the
release may run (replicas or HPA maxReplicas), the rollout's surge pods beside them, and the pods
still draining (orapool.drainingPods). Fail the render, not the database, when that total exceeds
database.maxSessions.
*/}}
{{- define "orapool.connectionBudget" -}}
{{- $peak := include "orapool.peakReplicas" . | int }}
{{- $surge := include "orapool.surgePods" . | int }}
{{- $draining := include "orapool.drainingPods" . | int }}
{{- $poolMax := .Values.config.DB_POOL_MAX | int }}
{{- $total := mul (add $peak $surge $draining) $poolMax }}
{{- if eq (toString .Values.config.DB_SERVER_TYPE) "pooled" }}
{{- include "orapool.drcpBudget" (dict "ctx" . "connections" $total) }}
{{- else }}
{{- with .Values.database.maxSessions }}
{{- if gt $total (int .) }}
{{- fail (printf "connection budget exceeded: (%s %d + rollout maxSurge %d + draining %d) x DB_POOL_MAX %d = %d database sessions, but database.maxSessions is %d. Lower config.DB_POOL_MAX, replicas/autoscaling.maxReplicas or rollout.maxSurge, set minReadySeconds >= terminationGracePeriodSeconds (%d) so that at most maxSurge + maxUnavailable pods drain at once, or raise database.maxSessions (and the database's PROCESSES/SESSIONS)." (ternary "autoscaling.maxReplicas" "replicaCount" (eq (include "orapool.autoscaled" $) "true")) $peak $surge $draining $poolMax $total (int .) (include "orapool.terminationGracePeriod" $ | int)) }}
{{- end }}
{{- end }}
{{- $total }}
{{- end }}
{{- end }}

{{/*
The budget with DRCP (config.DB_SERVER_TYPE=pooled). Each pod's connections go to the database's
connection broker, which lends one of its pooled servers per call: the database holds
database.drcp.maxPooledServers sessions however many pods connect. So those are checked against
database.maxSessions, and the fleet's connections (the same worst case as above) against what the
brokers accept. Outputs the database sessions.
*/}}
{{- define "orapool.drcpBudget" -}}
{{- $v := .ctx.Values.database }}
{{- if not $v.drcp.maxPooledServers }}
{{- fail "config.DB_SERVER_TYPE=pooled needs database.drcp.maxPooledServers: with DRCP the database holds its pooled servers (DBMS_CONNECTION_POOL maxsize), not pods x DB_POOL_MAX sessions, so the budget is counted from them" }}
{{- end }}
{{- $servers := int $v.drcp.maxPooledServers }}
{{- if gt (int .connections) (int $v.drcp.maxBrokerConnections) }}
{{- fail (printf "DRCP broker connections exceeded: pods (running, surge and draining) x DB_POOL_MAX = %d connections, but database.drcp.maxBrokerConnections is %d. Lower config.DB_POOL_MAX or the replicas, or raise the brokers' MAXCONN_CBROK/NUM_CBROK and database.drcp.maxBrokerConnections" (int .connections) (int $v.drcp.maxBrokerConnections)) }}
{{- end }}
{{- with $v.maxSessions }}
{{- if gt $servers (int .) }}
{{- fail (printf "connection budget exceeded: database.drcp.maxPooledServers %d (the DRCP pool's sessions) is more than database.maxSessions %d. Lower the DRCP pool's maxsize (DBMS_CONNECTION_POOL.ALTER_PARAM) and database.drcp.maxPooledServers, or raise database.maxSessions" $servers (int .)) }}
{{- end }}
{{- end }}
{{- $servers }}
{{- end }}

{{/*
terminationGracePeriodSeconds: preStop sleep + the app's own SIGTERM delay +
drain + a margin for closing the pool. An explicit value may only be larger.
*/}}
{{- define "orapool.terminationGracePeriod" -}}
{{- $needed := add (.Values.lifecycle.preStopSleepSeconds | int) (.Values.config.SHUTDOWN_DELAY_SECONDS | ceil | int) (.Values.config.SHUTDOWN_DRAIN_SECONDS | ceil | int) (.Values.lifecycle.terminationMarginSeconds | int) }}
{{- if .Values.lifecycle.terminationGracePeriodSeconds }}
{{- if lt (int .Values.lifecycle.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "lifecycle.terminationGracePeriodSeconds %d is shorter than preStop %d + SHUTDOWN_DELAY_SECONDS + SHUTDOWN_DRAIN_SECONDS + margin = %d: the kubelet would SIGKILL pods mid-drain" (int .Values.lifecycle.terminationGracePeriodSeconds) (int .Values.lifecycle.preStopSleepSeconds) (int $needed)) }}
{{- end }}
{{- .Values.lifecycle.terminationGracePeriodSeconds | int }}
{{- else }}
{{- $needed }}
{{- end }}
{{- end }}

{{/* Namespace of every namespaced object, so `helm template -n X | kubectl apply -f -` lands in X. */}}
{{- define "orapool.namespace" -}}
{{- .Values.namespaceOverride | default .Release.Namespace | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
A config value as the app parses it. Helm reads YAML numbers as float64, and
toString writes 1000000 as "1e+06", which the app rejects: whole numbers are
printed as integers, decimals (0.85) as they are.
*/}}
{{- define "orapool.configValue" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) }}
{{- printf "%.0f" . }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{/*
Template-time refusals: what the app or the API server would reject later,
refused before anything reaches the cluster.
MAX_SHUTDOWN_SECONDS mirrors src/config.ts (test/deploy/helm-refusals.test.ts fails on drift).
*/}}
{{- define "orapool.validate" -}}
{{- $c := .Values.config }}
{{- if gt (float64 $c.DB_POOL_MIN) (float64 $c.DB_POOL_MAX) }}
{{- fail (printf "config.DB_POOL_MIN (%s) must be <= config.DB_POOL_MAX (%s): the service refuses to start otherwise" (include "orapool.configValue" $c.DB_POOL_MIN) (include "orapool.configValue" $c.DB_POOL_MAX)) }}
{{- end }}
{{- if and (gt (float64 $c.MEMORY_HIGH_WATERMARK) 0.0) (ge (float64 $c.MEMORY_LOW_WATERMARK) (float64 $c.MEMORY_HIGH_WATERMARK)) }}
{{- fail (printf "config.MEMORY_LOW_WATERMARK (%s) must be below config.MEMORY_HIGH_WATERMARK (%s), or readiness never recovers: the service refuses to start otherwise" (include "orapool.configValue" $c.MEMORY_LOW_WATERMARK) (include "orapool.configValue" $c.MEMORY_HIGH_WATERMARK)) }}
{{- end }}
{{- $maxShutdown := 120.0 }}
{{- $shutdown := addf (float64 $c.SHUTDOWN_DELAY_SECONDS) (float64 $c.SHUTDOWN_DRAIN_SECONDS) }}
{{- if gt $shutdown $maxShutdown }}
{{- fail (printf "config.SHUTDOWN_DELAY_SECONDS (%s) + config.SHUTDOWN_DRAIN_SECONDS (%s) = %s exceeds the service's limit of %.0f seconds: the service refuses to start otherwise" (include "orapool.configValue" $c.SHUTDOWN_DELAY_SECONDS) (include "orapool.configValue" $c.SHUTDOWN_DRAIN_SECONDS) (include "orapool.configValue" $shutdown) $maxShutdown) }}
{{- end }}
{{- $surge := toString .Values.rollout.maxSurge | trimSuffix "%" }}
{{- $unavailable := toString .Values.rollout.maxUnavailable | trimSuffix "%" }}
{{- if and (eq (float64 $surge) 0.0) (eq (float64 $unavailable) 0.0) }}
{{- fail "rollout.maxSurge and rollout.maxUnavailable are both 0: a rolling update could never make progress, and the API server rejects the Deployment. Set maxSurge to 1 (or maxUnavailable to 1)" }}
{{- end }}
{{- if and (gt (int .Values.lifecycle.preStopSleepSeconds) 0) (semverCompare "<1.30-0" .Capabilities.KubeVersion.Version) }}
{{- fail (printf "lifecycle.preStopSleepSeconds needs the kubelet's sleep preStop action (Kubernetes >= 1.30; alpha and off by default in 1.29), but the cluster is %s. Set lifecycle.preStopSleepSeconds=0: the service already delays its own shutdown by config.SHUTDOWN_DELAY_SECONDS" .Capabilities.KubeVersion.Version) }}
{{- end }}
{{- include "orapool.validateAutoscaling" . }}
{{- if and (ne (toString $c.DB_SERVER_TYPE) "pooled") (or (ne (toString $c.DB_POOL_BOUNDARY) "none") (ne (toString $c.DB_PURITY) "default")) }}
{{- fail (printf "config.DB_POOL_BOUNDARY (%s) and config.DB_PURITY (%s) need config.DB_SERVER_TYPE=pooled (DRCP), which is %s: the service refuses to start otherwise" (toString $c.DB_POOL_BOUNDARY) (toString $c.DB_PURITY) (toString $c.DB_SERVER_TYPE)) }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.hosts) }}
{{- fail "ingress.enabled needs at least one entry in ingress.hosts" }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) }}
{{- fail "httpRoute.enabled needs httpRoute.parentRefs: the Gateway(s) the route attaches to" }}
{{- end }}
{{- end }}

{{/*
spec.replicas. Without autoscaling: replicaCount. With it the field is kept, never dropped:
removing it from the manifest makes Helm's patch (three-way merge, or server-side apply
releasing the field) reset the Deployment to 1 replica until the HPA reacts. Instead the chart
renders the live Deployment's current count (lookup), clamped to [minReplicas, maxReplicas],
so enabling autoscaling or upgrading never scales the release down; minReplicas when there is
no live object (fresh install, helm template).
*/}}
{{- define "orapool.replicas" -}}
{{- if include "orapool.autoscaled" . }}
{{- $min := int .Values.autoscaling.minReplicas }}
{{- $max := int .Values.autoscaling.maxReplicas }}
{{- $live := lookup "apps/v1" "Deployment" (include "orapool.namespace" .) (include "orapool.fullname" .) }}
{{- $current := $min }}
{{- if $live }}
{{- $current = int (($live.spec).replicas | default $min) }}
{{- end }}
{{- max $min (min $max $current) }}
{{- else }}
{{- .Values.replicaCount | int }}
{{- end }}
{{- end }}

{{/*
A probe: the user's fields over the chart's defaults; the default httpGet handler unless the user gives one.
*/}}
{{- define "orapool.probe" -}}
{{- $probe := deepCopy .probe }}
{{- if not (or $probe.httpGet $probe.exec $probe.tcpSocket $probe.grpc) }}
{{- $_ := set $probe "httpGet" (dict "path" .path "port" "http") }}
{{- end }}
{{- toYaml $probe }}
{{- end }}

{{/*
Topology spread constraints: the presets, then the user's own. A constraint without a
labelSelector gets this release's selector labels, and pod-template-hash in matchLabelKeys
(Kubernetes >= 1.27) so a rollout spreads the new ReplicaSet's pods, not old and new together.
*/}}
{{- define "orapool.topologySpreadConstraints" -}}
{{- $constraints := list }}
{{- $spread := .Values.topologySpread }}
{{- if $spread.hostname }}
{{- $constraints = append $constraints (dict "maxSkew" 1 "topologyKey" "kubernetes.io/hostname" "whenUnsatisfiable" $spread.whenUnsatisfiable) }}
{{- end }}
{{- if $spread.zone }}
{{- $constraints = append $constraints (dict "maxSkew" 1 "topologyKey" "topology.kubernetes.io/zone" "whenUnsatisfiable" $spread.whenUnsatisfiable) }}
{{- end }}
{{- $constraints = concat $constraints .Values.topologySpreadConstraints }}
{{- $out := list }}
{{- range $constraints }}
{{- $c := deepCopy . }}
{{- if not (hasKey $c "labelSelector") }}
{{- $_ := set $c "labelSelector" (dict "matchLabels" (include "orapool.selectorLabels" $ | fromYaml)) }}
{{- if and (not (hasKey $c "matchLabelKeys")) (semverCompare ">=1.27-0" $.Capabilities.KubeVersion.Version) }}
{{- $_ := set $c "matchLabelKeys" (list "pod-template-hash") }}
{{- end }}
{{- end }}
{{- $out = append $out $c }}
{{- end }}
{{- with $out }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
The ConfigMap's data without the live settings (files/live-settings.txt, generated from the spec):
in live reload mode the pod checksum covers only what the running pods cannot apply themselves.
*/}}
{{- define "orapool.restartConfig" -}}
{{- $data := (include (print .Template.BasePath "/configmap.yaml") . | fromYaml).data | default dict }}
{{- $live := list }}
{{- range (.Files.Get "files/live-settings.txt" | splitList "\n") }}
{{- $line := trim . }}
{{- if and $line (not (hasPrefix "#" $line)) }}{{ $live = append $live $line }}{{ end }}
{{- end }}
{{- if not $live }}{{ fail "files/live-settings.txt is missing or empty: run npm run gen:config" }}{{ end }}
{{- $restart := deepCopy $data }}
{{- range $live }}{{ $_ := unset $restart . }}{{ end }}
{{- toJson $restart }}
{{- end }}
