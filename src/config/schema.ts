/**
 * The JSON Schema of driftless.yaml: the one ajv validates against, the one `driftless schema`
 * prints and the one published as schema/driftless.schema.json (a test keeps them equal).
 *
 * `x-errorMessage` is an annotation read by our error formatter: when a `pattern`, `oneOf`, `not`
 * or bound check fails on that schema, the user sees this sentence instead of ajv's.
 */

import { notificationEvents } from '../ports/notifier.ts';
import { GIT_REPOSITORY_CONTRACT } from './git-url.ts';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_LABEL_MESSAGE = "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

const dnsLabel = (description: string) => ({
  type: 'string',
  description,
  pattern: DNS_LABEL,
  maxLength: 63,
  'x-errorMessage': DNS_LABEL_MESSAGE,
});

const bool = (description: string, dflt: boolean) => ({ type: 'boolean', description, default: dflt });

const secretRef = {
  type: 'object',
  description:
    "A reference to a secret value (never the value itself): {env: NAME} reads an environment variable, {file: PATH} a file (relative to this file's folder; one trailing newline is dropped), {secret: NAME, key?, versionStage?, region?} an AWS Secrets Manager secret (name or ARN; key picks a field of a JSON secret). Values are cached for 5 minutes and re-read when the system they unlock refuses them.",
  properties: {
    env: { type: 'string', minLength: 1, description: 'Name of the environment variable holding the value.' },
    file: { type: 'string', minLength: 1, description: "Path of a file holding the value, relative to this file's folder." },
    secret: { type: 'string', minLength: 1, description: 'AWS Secrets Manager secret name or ARN; read with secretsmanager:GetSecretValue (and kms:Decrypt when a customer managed key encrypts it).' },
    key: { type: 'string', minLength: 1, description: 'Field to read when the secret holds a JSON object (only with secret).' },
    versionStage: { type: 'string', minLength: 1, description: 'Version stage to read (only with secret); default AWSCURRENT.' },
    region: { type: 'string', minLength: 1, pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$', 'x-errorMessage': 'must be an AWS region such as eu-west-1', description: "Region of the secret (only with secret); default: the environment's (AWS_REGION), or the region in an ARN." },
  },
  additionalProperties: false,
  oneOf: [{ required: ['env'] }, { required: ['file'] }, { required: ['secret'] }],
  dependencies: { key: ['secret'], versionStage: ['secret'], region: ['secret'] },
  'x-errorMessage': 'must be exactly one of {env: NAME}, {file: PATH} or {secret: NAME, key?, versionStage?, region?}',
};

const githubRepository = {
  type: 'object',
  description: 'A repository read through the GitHub REST API.',
  required: ['owner', 'repo'],
  properties: {
    owner: { type: 'string', description: 'User or organization that owns the repository.', pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$', 'x-errorMessage': "must be a GitHub user or organization name: letters, digits and '-'" },
    repo: { type: 'string', description: 'Repository name (without .git).', pattern: '^[A-Za-z0-9._-]+$', 'x-errorMessage': "must be a GitHub repository name: letters, digits, '.', '_' and '-'" },
    token: { $ref: '#/definitions/secretRef', description: 'A token (personal access token or fine-grained token) with read access to contents, and write access to statuses and deployments for reporting.' },
    app: {
      type: 'object',
      description: 'Authenticate as a GitHub App installation instead of with a token.',
      required: ['appId', 'privateKey'],
      properties: {
        appId: { type: ['integer', 'string'], description: 'The GitHub App id (or client id).', minLength: 1 },
        privateKey: { $ref: '#/definitions/secretRef', description: "The GitHub App's private key (PEM)." },
        installationId: { type: 'integer', minimum: 1, description: "The installation id; default: looked up from the repository." },
      },
      additionalProperties: false,
    },
    apiUrl: { type: 'string', description: 'GitHub Enterprise Server API URL, e.g. https://github.example.com/api/v3. Default https://api.github.com.', pattern: '^https?://', 'x-errorMessage': 'must be an http(s) URL' },
  },
  additionalProperties: false,
  not: { required: ['token', 'app'] },
  'x-errorMessage': "set either 'token' or 'app', not both",
};

const repository = {
  type: 'object',
  description: 'Where manifests come from: exactly one of git or github.',
  properties: {
    git: { type: 'string', minLength: 1, description: GIT_REPOSITORY_CONTRACT },
    github: githubRepository,
  },
  additionalProperties: false,
  oneOf: [{ required: ['git'] }, { required: ['github'] }],
  'x-errorMessage': "must have exactly one of 'git' (a local path) or 'github' ({owner, repo, ...})",
};

const eks = {
  type: 'object',
  description: 'An EKS cluster reached with IAM: driftless reads its endpoint and CA with eks:DescribeCluster and mints a short-lived token itself (like `aws eks get-token`); no token is stored anywhere.',
  required: ['cluster', 'region'],
  properties: {
    cluster: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[0-9A-Za-z][A-Za-z0-9\\-_]*$', 'x-errorMessage': "must be an EKS cluster name: letters, digits, '-' and '_'", description: 'The EKS cluster name.' },
    region: { type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$', 'x-errorMessage': 'must be an AWS region such as eu-west-1', description: "The cluster's AWS region." },
    roleArn: { type: 'string', pattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/.+$', 'x-errorMessage': 'must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME)', description: 'A role to assume (sts:AssumeRole, session name driftless-<app>); DescribeCluster and the token use it, so the cluster may live in another account. Map the role in the cluster with an EKS access entry.' },
    externalId: { type: 'string', minLength: 2, maxLength: 1224, description: "External id the role's trust policy requires (only with roleArn)." },
  },
  additionalProperties: false,
  dependencies: { externalId: ['roleArn'] },
};

const cluster = {
  type: 'object',
  description: 'A Kubernetes cluster driftless writes to, from outside the cluster: exactly one of kubeconfig, credentials or eks says how it authenticates.',
  properties: {
    kubeconfig: { $ref: '#/definitions/secretRef', description: "Where the kubeconfig comes from: {file: PATH} (relative to this file's folder), {env: NAME} (the kubeconfig's content) or {secret: NAME}. A user with exec or auth-provider, or insecure-skip-tls-verify against a non-loopback server, is refused." },
    credentials: { $ref: '#/definitions/secretRef', description: 'A JSON secret {server, caData?, token} or {server, caData?, clientCertData, clientKeyData} (caData and the client data base64 PEM, as in a kubeconfig).' },
    eks: { $ref: '#/definitions/eks', description: 'An EKS cluster reached with IAM, without a stored token.' },
    context: { type: 'string', minLength: 1, description: "Context in the kubeconfig to use (only with kubeconfig); default: the kubeconfig's current context." },
    server: { type: 'string', description: 'API server URL of this cluster, used to map Argo CD destination.server to it.', pattern: '^https?://', 'x-errorMessage': 'must be an http(s) URL' },
  },
  additionalProperties: false,
  oneOf: [{ required: ['kubeconfig'] }, { required: ['credentials'] }, { required: ['eks'] }],
  dependencies: { context: ['kubeconfig'] },
  'x-errorMessage': "must have exactly one of 'kubeconfig', 'credentials' or 'eks'",
};

const allow = {
  type: 'object',
  description: 'What the app may write; anything else fails the whole sync before any write.',
  properties: {
    namespaces: {
      type: 'array',
      description: "Namespaces the app may write to; '*' allows all. Default: the app's namespace.",
      items: { type: 'string', pattern: '^(\\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$', 'x-errorMessage': `must be '*' or a namespace name (${DNS_LABEL_MESSAGE})` },
    },
    kinds: {
      type: 'array',
      description: "Kinds the app may write, as Kind (core or any group) or Kind.group (e.g. Deployment.apps); '*' allows all. Default: ['*'].",
      items: { type: 'string', pattern: '^(\\*|[A-Z][A-Za-z0-9]*(\\.[a-z0-9.-]+)?)$', 'x-errorMessage': "must be '*', Kind or Kind.group (e.g. Deployment.apps)" },
    },
    clusterScoped: bool('Whether the app may write cluster-scoped objects (Namespaces, CRDs, ClusterRoles, ...). createNamespace works without it.', false),
  },
  additionalProperties: false,
};

const ignoreRule = {
  type: 'object',
  description: 'Fields another controller owns (e.g. spec.replicas under a HorizontalPodAutoscaler): neither applied nor compared.',
  required: ['kind', 'jsonPointers'],
  properties: {
    kind: { type: 'string', minLength: 1, description: 'Kind of the objects the rule applies to.' },
    group: { type: 'string', description: "API group of the objects (e.g. apps; '' for the core group); default: any group." },
    name: { type: 'string', minLength: 1, description: 'Only the object with this name; default: all objects of the kind.' },
    namespace: { type: 'string', minLength: 1, description: 'Only objects in this namespace; default: any namespace.' },
    jsonPointers: {
      type: 'array',
      minItems: 1,
      description: 'JSON pointers (RFC 6901) of the ignored fields, e.g. /spec/replicas.',
      items: { type: 'string', pattern: '^(/([^~/]|~[01])*)+$', 'x-errorMessage': "must be a JSON pointer such as /spec/replicas ('~1' for '/', '~0' for '~')" },
    },
  },
  additionalProperties: false,
};

const prunePolicy = {
  type: 'object',
  description: 'Opt-ins for pruning kinds that prune never deletes by default, because deleting them deletes data or whole sets of objects.',
  properties: {
    namespaces: bool('Prune may delete Namespaces (and so everything in them).', false),
    crds: bool('Prune may delete CustomResourceDefinitions (and so all their custom resources).', false),
    persistentVolumes: bool('Prune may delete PersistentVolumes.', false),
    persistentVolumeClaims: bool('Prune may delete PersistentVolumeClaims.', false),
  },
  additionalProperties: false,
};

const healthRule = {
  type: 'object',
  description: 'A kind whose health is not judged: its objects count as Healthy once applied.',
  required: ['kind', 'ignore'],
  properties: {
    group: { type: 'string', description: "API group of the kind (e.g. example.com; '' for the core group). Default ''." },
    kind: { type: 'string', minLength: 1, description: 'Kind, e.g. Widget.' },
    ignore: { type: 'boolean', enum: [true], description: 'Skip the health check for this kind (the only override so far).' },
  },
  additionalProperties: false,
};

const app = {
  type: 'object',
  description: 'An app: one path of one repository kept equal to one namespace of one cluster.',
  required: ['name', 'repository', 'path', 'cluster', 'namespace'],
  properties: {
    name: dnsLabel('Unique name of the app (used in labels, commit statuses and URLs).'),
    repository: { type: 'string', minLength: 1, description: 'Name of an entry in repositories.' },
    branch: { type: 'string', minLength: 1, description: "Branch to follow (each push to it syncs). Default 'main' when neither branch nor revision is set." },
    revision: { type: 'string', minLength: 1, description: 'A fixed commit SHA or tag to stay at, instead of following a branch.' },
    path: {
      type: 'string',
      description: "Folder in the repository holding the app's manifests or kustomization ('.' for the root).",
      pattern: '^(?!/)(?!(.*/)?\\.\\.(/|$)).+$',
      'x-errorMessage': "must be a relative path inside the repository: no leading '/', no '..' (use '.' for the root)",
    },
    cluster: { type: 'string', minLength: 1, description: 'Name of an entry in clusters.' },
    namespace: dnsLabel('Namespace of the app: given to namespaced objects without one, and the default of allow.namespaces.'),
    createNamespace: bool("Create the app's namespace if it is missing (even where cluster-scoped objects are otherwise not allowed).", false),
    prune: bool('Delete objects driftless applied earlier that Git no longer has.', false),
    selfHeal: bool('Between syncs, restore objects changed in the cluster: confirmed drift queues a sync of the revision last synced (on the drift schedule of serve and the drift function). After 3 heals within an hour healing stops (HealSuspended) until the next push or manual sync. Every sync restores all managed fields regardless.', false),
    force: bool('Git wins: take over fields other field managers set (server-side apply force). false turns such conflicts into a failure.', true),
    allowEmpty: bool('Allow a sync whose render is empty (and then prune everything). Without it an empty render fails.', false),
    allowRemote: {
      description:
        "Kustomize remote bases and resources. false: none (default). true: any https URL (github.com/org/repo included). A list of URL prefixes, e.g. ['https://github.com/acme/']: only references starting with one of them; https only unless a prefix names another scheme (ssh://, git@host:org/, http://). file:// and loopback, private and link-local addresses (localhost, 127.0.0.0/8, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, ::1, fc00::/7, fe80::/10) are always refused.",
      default: false,
      oneOf: [
        { type: 'boolean' },
        { type: 'array', minItems: 1, items: { type: 'string', pattern: '^([a-z][a-z0-9+.-]*://[^/]+|[\\w.-]+@[\\w.-]+:|[\\w-]+(\\.[\\w-]+)+/)', 'x-errorMessage': 'must be a URL prefix naming a host, e.g. https://github.com/acme/' } },
      ],
      'x-errorMessage': 'must be true, false or a list of URL prefixes such as https://github.com/acme/',
    },
    prunePolicy,
    allow,
    ignore: { type: 'array', description: 'Fields owned by other controllers, dropped from what is applied and compared.', items: ignoreRule },
    health: { type: 'array', description: "Health overrides: kinds whose status does not say whether they are healthy (custom resources are otherwise read as kstatus does).", items: healthRule },
    healthTimeoutSeconds: { type: 'integer', minimum: 1, description: 'Seconds to wait for applied objects to become healthy before the sync fails as Degraded.', default: 300 },
    concurrency: { type: 'integer', minimum: 1, maximum: 64, description: 'Concurrent writes within one apply step.', default: 8 },
    deployments: bool('Create a GitHub Deployment per sync (GitHub repositories only).', true),
    driftIssues: { type: 'boolean', description: "Keep a GitHub issue labelled driftless:drift open while this app drifts (GitHub repositories only). Default: server.driftIssues." },
  },
  additionalProperties: false,
  not: { required: ['branch', 'revision'] },
  'x-errorMessage': "set either 'branch' or 'revision', not both",
};

const argoCDEntry = {
  type: 'object',
  description: "Import apps from Argo CD Application manifests (argoproj.io/v1alpha1): a file path or glob relative to this file's folder; multi-document files are read whole.",
  required: ['fromArgoCD'],
  properties: {
    fromArgoCD: { type: 'string', minLength: 1, description: 'A file, a folder (its .yaml/.yml files, recursively) or a glob of Argo CD Application files, e.g. argocd/*.yaml.' },
  },
  additionalProperties: false,
};

const server = {
  type: 'object',
  description: 'Settings of `driftless serve` and the Lambda functions.',
  properties: {
    webhookSecret: { $ref: '#/definitions/secretRef', description: 'The GitHub webhook secret; push deliveries are verified against it (X-Hub-Signature-256).' },
    apiTokens: { $ref: '#/definitions/secretRef', description: 'Bearer tokens for the HTTP API (sync, unpin, reads): one or more, comma-separated.' },
    publicRead: bool('Let read endpoints (GET /apps, /apps/{app}, /syncs/{id}, /drift, /apps/{app}/drift) answer without a token.', false),
    publicMetrics: bool('Let GET /metrics (Prometheus) answer without a token, for a scraper without credentials. The series name apps, repositories and clusters.', false),
    logLevel: { type: 'string', enum: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info', description: 'Least severe log level written. The environment variables DRIFTLESS_LOG_LEVEL, then LOG_LEVEL, override it.' },
    publicUrl: { type: 'string', description: 'Public base URL of the HTTP API, used as the link target of commit statuses and deployments.', pattern: '^https?://', 'x-errorMessage': 'must be an http(s) URL' },
    pollInterval: {
      description: 'How often to poll for pushes whose webhook was missed: seconds, or a duration such as 90s, 3m, 1h30m. Default 3m.',
      default: 180,
      oneOf: [
        { type: 'integer', minimum: 1 },
        { type: 'string', pattern: '^([0-9]+[hms])+$' },
      ],
      'x-errorMessage': 'must be a number of seconds (at least 1) or a duration such as 90s, 3m or 1h30m',
    },
    driftInterval: {
      description: 'How often serve checks every app for drift (± 20 % jitter): seconds, or a duration such as 90s, 10m, 1h. Default 10m.',
      default: 600,
      oneOf: [
        { type: 'integer', minimum: 1 },
        { type: 'string', pattern: '^([0-9]+[hms])+$' },
      ],
      'x-errorMessage': 'must be a number of seconds (at least 1) or a duration such as 90s, 10m or 1h',
    },
    driftIssues: bool('Open a GitHub issue labelled driftless:drift in the repository of an app that drifts, edit it while the drift changes and close it once the app is back in sync (GitHub repositories only; apps can opt out with driftIssues: false).', true),
    retention: {
      type: 'object',
      description: 'How much history serve keeps: finished sync records, webhook deliveries and drift reports past either bound are deleted (hourly).',
      properties: {
        days: { type: 'integer', minimum: 1, default: 30, description: 'Delete records older than this many days.' },
        maxSyncsPerApp: { type: 'integer', minimum: 1, default: 1000, description: 'Keep at most this many finished sync records per app.' },
        maxDeliveries: { type: 'integer', minimum: 1, default: 10000, description: 'Keep at most this many webhook deliveries.' },
        maxDriftReportsPerApp: { type: 'integer', minimum: 1, default: 100, description: "Keep at most this many drift reports per app (the newest always stays)." },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

const signing = {
  type: 'object',
  description:
    "The key that signs each app's inventory and keys the stored hashes of Secrets; the CLI, `serve` and Lambda must share it. Default: {file: .driftless/signing-key} next to this file, generated on first use (32 random bytes, base64, mode 0600). To rotate: move the old reference to previousKeys and set a new key; the next sync of each app rewrites its inventory with the new key, then the old one can go.",
  properties: {
    key: { $ref: '#/definitions/secretRef', description: 'The current key (at least 32 characters). A reference that does not resolve is an error; only the default file is generated.' },
    previousKeys: { type: 'array', description: 'Keys rotated out, still accepted for inventories they signed until the next sync rewrites them.', items: { $ref: '#/definitions/secretRef' } },
  },
  additionalProperties: false,
};

const render = {
  type: 'object',
  description: 'Caps on rendering, so that a hostile or runaway kustomization cannot take the worker down.',
  properties: {
    kustomize: {
      type: 'object',
      description: 'Caps on one kustomize run; past any of them kustomize is stopped and the render fails naming the app and the cap.',
      properties: {
        timeoutSeconds: { type: 'integer', minimum: 1, maximum: 900, description: 'Wall time of one kustomize run, in seconds. A timeout is transient (the sync is retried).', default: 60 },
        memoryMiB: { type: 'integer', minimum: 64, maximum: 16384, description: 'Resident memory of one kustomize run, in MiB (GOMEMLIMIT is set a little below; the hard cap is enforced on Linux).', default: 512 },
        maxOutputMiB: { type: 'integer', minimum: 1, maximum: 1024, description: 'What one kustomize run may print, in MiB; it is stopped as soon as it prints more.', default: 64 },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

/** https, or plain http to a loopback address only (a local relay, tests): a signed payload never crosses a network in clear. */
export const NOTIFICATION_URL_PATTERN = '^(https://[^\\s/]+|http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]+)?)(/\\S*)?$';

const notificationUrl = {
  description: 'Where to POST: an https URL, or a secret reference holding one (Slack and Teams webhook URLs are credentials). Plain http is accepted for loopback addresses only.',
  oneOf: [
    { type: 'string', pattern: NOTIFICATION_URL_PATTERN },
    // Inline rather than $ref: a mistake then reads as this field's message, not "must be a map".
    { type: 'object', properties: secretRef.properties, additionalProperties: false, oneOf: secretRef.oneOf, dependencies: secretRef.dependencies },
  ],
  'x-errorMessage': 'must be an https URL (http only for 127.0.0.1, localhost or [::1]) or a secret reference {env: NAME}, {file: PATH} or {secret: NAME}',
};

const sink = (description: string, extra: Record<string, unknown> = {}, required: string[] = ['url']) => ({
  type: 'object',
  description,
  required,
  properties: { url: notificationUrl, ...extra },
  additionalProperties: false,
});

const notification = {
  type: 'object',
  description: 'One notification sink (exactly one of slack, teams or webhook), optionally only for some apps and events. Sent on state changes only, never on every run.',
  properties: {
    slack: sink('A Slack incoming webhook (https://hooks.slack.com/services/...); messages use Block Kit.'),
    teams: sink('A Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is received"); messages are Adaptive Cards.'),
    webhook: sink('A generic JSON webhook, signed: X-Driftless-Signature: sha256=HMAC-SHA256(secret, X-Driftless-Timestamp + "." + body).', {
      secret: { $ref: '#/definitions/secretRef', description: 'The HMAC-SHA256 key the receiver verifies signatures with.' },
    }, ['url', 'secret']),
    apps: { type: 'array', minItems: 1, description: 'Only these apps (names from apps). Default: every app.', items: { type: 'string', minLength: 1 } },
    events: {
      type: 'array',
      minItems: 1,
      description: `Only these events. Default: all of ${notificationEvents.join(', ')}.`,
      items: { type: 'string', enum: [...notificationEvents] },
    },
  },
  additionalProperties: false,
  oneOf: [{ required: ['slack'] }, { required: ['teams'] }, { required: ['webhook'] }],
  'x-errorMessage': "must have exactly one of 'slack', 'teams' or 'webhook'",
};

const NAME_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$';

export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'driftless.yaml',
  description: 'Configuration of driftless, the serverless GitOps reconciler: repositories, clusters, the apps that tie them together, and the server.',
  type: 'object',
  required: ['repositories', 'clusters', 'apps'],
  properties: {
    repositories: {
      type: 'object',
      description: 'Git repositories holding manifests, by name.',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: { $ref: '#/definitions/repository' },
    },
    clusters: {
      type: 'object',
      description: 'Kubernetes clusters, by name.',
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: { $ref: '#/definitions/cluster' },
    },
    apps: {
      type: 'array',
      description: 'Apps to keep in sync: each entry is an app, or {fromArgoCD: glob} importing Argo CD Applications.',
      items: {
        description: 'An app, or {fromArgoCD: glob}.',
        if: { type: 'object', required: ['fromArgoCD'] },
        then: { $ref: '#/definitions/argoCDEntry' },
        else: { $ref: '#/definitions/app' },
      },
    },
    signing: { $ref: '#/definitions/signing', description: 'The signing key shared by the CLI, `serve` and Lambda (inventory checksums, Secrets\' applied hashes).' },
    server: { $ref: '#/definitions/server', description: 'Settings of `driftless serve` and the Lambda functions: webhook secret, API tokens, polling.' },
    render: { $ref: '#/definitions/render', description: 'Caps on rendering: kustomize time, memory and output.' },
    notifications: { type: 'array', description: 'Where state changes (sync failed or recovered, health degraded, drift opened or closed, self-heal suspended) are sent: Slack, Microsoft Teams or a signed webhook.', items: { $ref: '#/definitions/notification' } },
  },
  additionalProperties: false,
  definitions: { secretRef, repository, eks, cluster, app, argoCDEntry, server, signing, render, notification },
} as const;

/** The schema as published: stable key order, two-space indent, trailing newline. */
export function configSchemaText(): string {
  return `${JSON.stringify(configSchema, null, 2)}\n`;
}
