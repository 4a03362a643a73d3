{{- define "spb.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "spb.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "spb.labels" -}}
app.kubernetes.io/name: {{ include "spb.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "spb.selectorLabels" -}}
app.kubernetes.io/name: {{ include "spb.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "spb.secretName" -}}
{{- default (include "spb.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{- define "spb.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}
{{- end -}}

{{- define "spb.postgres" -}}
{{- eq .Values.store.mode "postgresql" -}}
{{- end -}}

{{- define "spb.replicas" -}}
{{- if eq .Values.store.mode "postgresql" -}}
{{- if lt (int .Values.replicaCount) 2 -}}
{{- fail "store.mode=postgresql runs at least 2 replicas: set replicaCount >= 2" -}}
{{- end -}}
{{- .Values.replicaCount -}}
{{- else -}}
1
{{- end -}}
{{- end -}}
