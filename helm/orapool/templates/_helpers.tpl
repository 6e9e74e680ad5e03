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

{{/* Most replicas that can run at once outside a rollout: HPA maxReplicas when autoscaling, else replicaCount. */}}
{{- define "orapool.peakReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ .Values.autoscaling.maxReplicas | int }}{{ else }}{{ .Values.replicaCount | int }}{{ end }}
{{- end }}

{{/*
Connection budget: every pod opens up to DB_POOL_MAX sessions, and during a
rollout maxSurge extra pods run beside the old ones. Fail the render, not the
database, when that total exceeds database.maxSessions.
*/}}
{{- define "orapool.connectionBudget" -}}
{{- $peak := include "orapool.peakReplicas" . | int }}
{{- $surge := include "orapool.surgePods" . | int }}
{{- $poolMax := .Values.config.DB_POOL_MAX | int }}
{{- $total := mul (add $peak $surge) $poolMax }}
{{- with .Values.database.maxSessions }}
{{- if gt $total (int .) }}
{{- fail (printf "connection budget exceeded: (%s %d + rollout maxSurge %d) x DB_POOL_MAX %d = %d database sessions, but database.maxSessions is %d. Lower config.DB_POOL_MAX, replicas/autoscaling.maxReplicas or rollout.maxSurge, or raise database.maxSessions (and the database's PROCESSES/SESSIONS)." (ternary "autoscaling.maxReplicas" "replicaCount" $.Values.autoscaling.enabled) $peak $surge $poolMax $total (int .)) }}
{{- end }}
{{- end }}
{{- $total }}
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

{{/* Restricted pod-level security context shared by the app and the test pod. */}}
{{- define "orapool.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}
