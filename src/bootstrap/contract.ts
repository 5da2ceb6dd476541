// The few facts of Bucketeer v2.3.0's HTTP API that bootstrap and the smoke test depend on, read
// off upstream's own descriptions at tag v2.3.0 (bucketeer-io/bucketeer):
//   api-description/web-api.swagger.yaml   the web gateway (console API, service-token auth)
//   api-description/apidocs.swagger.yaml  the API gateway (SDK API, API-key auth)
// and the Go code behind them (named next to each fact). Only what the installer calls is here.

/** One route the installer calls: which gateway, method and path, as the swagger lists it. */
export interface Route {
  gateway: 'web' | 'api';
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
}

export const ROUTES = {
  // web-api.swagger.yaml, tag Organization / Project / Environment.
  listOrganizations: { gateway: 'web', method: 'GET', path: '/v1/environment/list_organizations' },
  createOrganization: { gateway: 'web', method: 'POST', path: '/v1/environment/create_organization' },
  listProjects: { gateway: 'web', method: 'GET', path: '/v1/environment/list_projects' },
  createProject: { gateway: 'web', method: 'POST', path: '/v1/environment/create_project' },
  listEnvironments: { gateway: 'web', method: 'GET', path: '/v1/environment/list_environments' },
  createEnvironment: { gateway: 'web', method: 'POST', path: '/v1/environment/create_environment' },
  // web-api.swagger.yaml, tag Account / API Key.
  getAccount: { gateway: 'web', method: 'GET', path: '/v1/account/get_account' },
  createAccount: { gateway: 'web', method: 'POST', path: '/v1/account/create_account' },
  createApiKey: { gateway: 'web', method: 'POST', path: '/v1/account/create_api_key' },
  // Query: organizationId (required), environmentIds, searchKeyword (a match on the name), disabled
  // (pkg/account/api/api_key.go ListAPIKeys; the keys come back obfuscated).
  listApiKeys: { gateway: 'web', method: 'GET', path: '/v1/account/list_api_keys' },
  // web-api.swagger.yaml, tag Feature: POST creates, PATCH updates (enabled, archived).
  createFeature: { gateway: 'web', method: 'POST', path: '/v1/feature' },
  updateFeature: { gateway: 'web', method: 'PATCH', path: '/v1/feature' },
  // apidocs.swagger.yaml: the SDK routes (client SDK key for get_evaluation).
  getEvaluation: { gateway: 'api', method: 'POST', path: '/get_evaluation' },
  registerEvents: { gateway: 'api', method: 'POST', path: '/register_events' },
} as const satisfies Record<string, Route>;

export type RouteName = keyof typeof ROUTES;

/**
 * Auth headers. The web gateway's auth interceptor (pkg/rpc/auth.go) reads metadata
 * `authorization` as "<scheme> <token>" (two words); the service token goes as `bearer <token>`.
 * The API gateway (pkg/api/api/api_grpc.go extractAPIKey; apidocs.swagger.yaml securityDefinitions
 * ApiKeyAuth, header `authorization`) takes the bare API key.
 * grpc-gateway turns the HTTP header `Authorization`, or `Grpc-Metadata-Authorization`, into that
 * metadata. Through the Kubernetes API server's service proxy only the second survives: the API
 * server removes `Authorization` from a request once it has authenticated it.
 */
export const AUTH_HEADER = 'authorization';
export const PROXY_SAFE_AUTH_HEADER = 'grpc-metadata-authorization';
export const webAuthValue = (serviceToken: string) => `bearer ${serviceToken}`;

/**
 * Where the gateways listen (chart manifests/bucketeer/charts/{web,api}): web's REST gateway is
 * behind envoy's `transcoder-ingress` listener, Service port `http-service` (9003), route prefix
 * `/v1/`; the API gateway behind envoy on Service port `service`. Both envoys listen with TLS.
 */
export const WEB_SERVICE = { name: 'web', port: 'http-service' } as const;
export const API_SERVICE = { name: 'api', port: 'service' } as const;

/**
 * Url codes: organization, project and environment url codes match ^[a-z0-9-]{1,50}$
 * (pkg/environment/api/organization.go, project.go, environment_v2.go); names are at most 50
 * characters (organization.go maxOrganizationNameLength).
 */
export const URL_CODE = /^[a-z0-9-]{1,50}$/;
export const MAX_NAME_LENGTH = 50;

/**
 * create_organization also creates a project "Default Project" (url code `default`) with the
 * environments Development and Production (url codes `development`, `production`) and the owner's
 * account with role Organization_OWNER (pkg/environment/api/organization.go createOrganization).
 */
export const DEFAULT_PROJECT = { name: 'Default Project', urlCode: 'default' } as const;

/**
 * How an API key is disabled (the installer never does it; it tells the user): UpdateAPIKey,
 * `PATCH /v1/account/update_api_key` with {id, environmentId, disabled: true}
 * (proto/account/service.proto UpdateAPIKeyRequest; pkg/account/api/api_key.go UpdateAPIKey, which
 * needs an organization ADMIN). The console lists an environment's keys at /<environment url
 * code>/api-keys (ui/dashboard/src/components/navigation/index.tsx).
 */
export const DISABLE_API_KEY = { method: 'PATCH', path: '/v1/account/update_api_key' } as const;
export const consoleApiKeysPath = (environmentUrlCode: string) => `/${environmentUrlCode}/api-keys`;

/** Enum spellings used in JSON (proto enum names). */
export const ORGANIZATION_ROLE_ADMIN = 'Organization_ADMIN';
export const ORGANIZATION_ROLE_OWNER = 'Organization_OWNER';
export const ENVIRONMENT_ROLE_EDITOR = 'Environment_EDITOR';
export const API_KEY_ROLE = { client: 'SDK_CLIENT', server: 'SDK_SERVER' } as const;

/** The Any type of a client evaluation event (proto/event/client/event.proto, package bucketeer.event.client). */
export const EVALUATION_EVENT_TYPE = 'type.googleapis.com/bucketeer.event.client.EvaluationEvent';

/** gRPC codes that grpc-gateway puts in the `code` field of an error body. */
export const GRPC_CODE = { invalidArgument: 3, notFound: 5, alreadyExists: 6, permissionDenied: 7, unavailable: 14, unauthenticated: 16 } as const;

// Response shapes, only the fields read. Note the capitalised `Organization(s)`: the proto fields
// are named so (proto/environment/service.proto CreateOrganizationResponse, ListOrganizationsResponse).
export interface Organization { id: string; name: string; urlCode: string; ownerEmail?: string; systemAdmin?: boolean }
export interface Project { id: string; name: string; urlCode: string; organizationId: string }
export interface Environment { id: string; name: string; urlCode: string; projectId: string; organizationId?: string }
export interface Account { email: string; organizationId: string; organizationRole: string; environmentRoles?: { environmentId: string; role: string }[] }
export interface ApiKey { id: string; name: string; role: string; apiKey?: string; disabled?: boolean; environmentName?: string }
export interface Variation { id: string; value: string; name?: string }
export interface Feature { id: string; version?: number; enabled?: boolean; archived?: boolean; variations: Variation[]; offVariation?: string }
export interface Evaluation { id?: string; featureId: string; featureVersion?: number; userId?: string; variationId: string; variationValue: string; reason?: { type?: string } }
