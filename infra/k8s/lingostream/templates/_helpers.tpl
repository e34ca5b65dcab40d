{{/* Names and labels shared by every object of the release. */}}

{{- define "lingostream.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "lingostream.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one role: (dict "root" $ "role" "asr") */}}
{{- define "lingostream.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "lingostream.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-credentials" (include "lingostream.fullname" .)) -}}
{{- end -}}

{{/* ASR decoders per pod: the CPU limit in whole cores. */}}
{{- define "lingostream.asrSlots" -}}
{{- .Values.asr.cpu | int -}}
{{- end -}}

{{/*
ASR memory, MiB: the worker plus one decoder per slot, over 0.7 so that a full
set of decoders stays below MODERATE (LINGOSTREAM_MEMORY_SAFE_RATIO).
*/}}
{{- define "lingostream.asrMemoryMiB" -}}
{{- $decoder := index .Values.asr.decoderMemoryMiB .Values.engine | required (printf "asr.decoderMemoryMiB has no entry for engine %q" .Values.engine) -}}
{{- $need := add (int .Values.asr.baseMemoryMiB) (mul (include "lingostream.asrSlots" . | int) (int $decoder)) -}}
{{- div (add (mul $need 10) 6) 7 -}}
{{- end -}}

{{/*
A worker container: (dict "root" $ "role" "asr" "cpu" 2 "memoryMiB" 1024 "env" (dict) "memoryLimit" true)
Every pod gets the node's name as LINGOSTREAM_PRESSURE_HOST: the monitor on a
node publishes under it, and the workers on that node obey those events.
*/}}
{{- define "lingostream.container" -}}
{{- $root := .root -}}
- name: {{ .role }}
  image: "{{ $root.Values.image.repository }}:{{ $root.Values.image.tag }}"
  imagePullPolicy: {{ $root.Values.image.pullPolicy }}
  args: ["worker", {{ .role | quote }}, "--metrics-port", {{ $root.Values.metrics.port | quote }}]
  envFrom:
    - configMapRef:
        name: {{ include "lingostream.fullname" $root }}
    - secretRef:
        name: {{ include "lingostream.secretName" $root }}
  env:
    - name: LINGOSTREAM_PRESSURE_HOST
      valueFrom:
        fieldRef:
          fieldPath: spec.nodeName
    {{- range $name, $value := .env }}
    - name: {{ $name }}
      value: {{ $value | quote }}
    {{- end }}
  ports:
    - name: metrics
      containerPort: {{ $root.Values.metrics.port }}
      protocol: TCP
  # /healthz and /readyz are served once the role has started (connected, topics found).
  startupProbe:
    httpGet:
      path: /healthz
      port: metrics
    periodSeconds: 5
    failureThreshold: 60
  livenessProbe:
    httpGet:
      path: /healthz
      port: metrics
    periodSeconds: 10
    failureThreshold: 3
  readinessProbe:
    httpGet:
      path: /readyz
      port: metrics
    periodSeconds: 5
  resources:
    requests:
      cpu: {{ .cpu | quote }}
      memory: {{ printf "%dMi" (int .memoryMiB) }}
    limits:
      cpu: {{ .cpu | quote }}
      {{- if .memoryLimit }}
      memory: {{ printf "%dMi" (int .memoryMiB) }}
      {{- end }}
  securityContext:
    allowPrivilegeEscalation: false
    capabilities:
      drop: ["ALL"]
  volumeMounts:
    - name: tmp
      mountPath: /tmp
{{- end -}}

{{/* Pod-level settings every worker shares: (dict "root" $ "role" "asr") */}}
{{- define "lingostream.podMeta" -}}
labels:
  {{- include "lingostream.selector" . | nindent 2 }}
annotations:
  checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
  {{- if .root.Values.metrics.scrapeAnnotations }}
  prometheus.io/scrape: "true"
  prometheus.io/port: {{ .root.Values.metrics.port | quote }}
  prometheus.io/path: /metrics
  {{- end }}
{{- end -}}

{{- define "lingostream.podSecurity" -}}
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
volumes:
  - name: tmp
    emptyDir: {}
{{- end -}}
