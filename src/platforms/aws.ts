// AWS: EKS, RDS, ElastiCache and KMS; messaging on Redis Streams (Bucketeer v2.3.0 has no SQS/SNS
// support). The probes are in src/probes/aws.ts.
import type * as Zod from '../answers/zod.js';
import { detectAws } from '../probes/detect.js';
import { findingsOf, maxmemoryPolicyHint, type FindingLines, type Platform } from './types.js';

/** AWS's SQS FIFO limits: 300 API calls/s per action, 3,000 msg/s with batches of 10. */
export const SQS_FIFO = { callsPerSecond: 300, batchedMessagesPerSecond: 3000 };

/** The answers' `aws:` block: the region and the profile the AWS SDK calls use. */
function awsAnswersBlock(z: typeof Zod) {
  return z.strictObject({
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, { error: 'must be an AWS region such as ap-northeast-1' }),
    profile: z.string().min(1).optional(),
  });
}

/** What AWS's probes found, as the wizard keeps it: the credentials' account, RDS MySQL instances and ElastiCache groups. */
export type AwsFinding =
  | { kind: 'aws-identity'; account: string; arn: string; region?: string; profile?: string }
  | { kind: 'rds-instance'; id: string; endpoint: string; port?: number }
  | { kind: 'elasticache-group'; id: string; endpoint: string; port?: number; maxmemoryPolicy?: string; clusterMode?: boolean };

const found = findingsOf<AwsFinding>();

const FINDING_LINES: FindingLines<AwsFinding> = {
  'aws-identity': { about: 'identity', text: (f) => `AWS account ${f.account} (${f.arn})` },
  'rds-instance': { about: 'services', text: (f) => `RDS ${f.id}: ${f.endpoint}` },
  'elasticache-group': { about: 'services', text: (f) => `ElastiCache ${f.id}: ${f.endpoint}${f.maxmemoryPolicy ? `, ${f.maxmemoryPolicy}` : ''}` },
};

export const aws: Platform<'aws', typeof awsAnswersBlock> = {
  id: 'aws',
  choice: { label: 'AWS (EKS)', hint: 'RDS, ElastiCache, Redis Streams' },
  clusterKind: 'eks',
  // An EC2 instance role is there on any EC2 machine: not a choice the user made.
  hasExplicitCredentials: (env) => !['none', 'instance-role'].includes(detectAws(env).source),
  googleServices: false,
  middlewareInCluster: false,
  answersBlock: awsAnswersBlock,
  validate: (a) => (a.aws ? [] : [{ path: ['aws'], message: 'aws: {region} is required when platform is aws' }]),
  hints: {
    mysqlLogBinTrust:
      'in a custom RDS DB parameter group attached to the instance set log_bin_trust_function_creators = 1: aws rds modify-db-parameter-group --db-parameter-group-name GROUP --parameters ParameterName=log_bin_trust_function_creators,ParameterValue=1,ApplyMethod=immediate (the default group cannot be changed)',
    mysqlRequireSecureTransport:
      'in the custom RDS DB parameter group attached to the instance set require_secure_transport to 0: aws rds modify-db-parameter-group --db-parameter-group-name GROUP --parameters ParameterName=require_secure_transport,ParameterValue=0,ApplyMethod=immediate (the default group cannot be changed; keep the database on a private network)',
    redisAuthOff: 'ElastiCache: create a replication group without an AUTH token (aws elasticache create-replication-group ... without --auth-token; an AUTH token cannot be removed from a running group)',
    redisTlsOff: 'ElastiCache: in-transit encryption must be off: create the replication group with --no-transit-encryption-enabled (ElastiCache Serverless is always TLS)',
    redisNoeviction: () =>
      'ElastiCache: use a custom parameter group with maxmemory-policy noeviction: aws elasticache modify-cache-parameter-group --cache-parameter-group-name GROUP --parameter-name-values ParameterName=maxmemory-policy,ParameterValue=noeviction (the default group cannot be changed), then attach it with aws elasticache modify-replication-group --cache-parameter-group-name GROUP',
    messagingNotes(eps) {
      const notes = [`SQS/SNS are not supported by Bucketeer v2.3.0 (SQS FIFO would cap at ${SQS_FIFO.callsPerSecond} calls/s per action, ${SQS_FIFO.batchedMessagesPerSecond.toLocaleString('en-US')} msg/s batched)`];
      if (eps !== undefined && eps > SQS_FIFO.batchedMessagesPerSecond) notes.push('your rate is above what SQS FIFO takes without high-throughput mode');
      return notes;
    },
  },
  wizard: {
    regionOfContext: (context) => /^arn:aws[a-z-]*:eks:([a-z]{2}(-gov)?-[a-z]+-[0-9]):/.exec(context)?.[1],
    cloudQuestions({ env, detected: d, text }) {
      const fromContext = d.kubeContext ? aws.wizard!.regionOfContext(d.kubeContext) : undefined;
      const [account] = found(d.findings, 'aws-identity');
      const foundIn = aws.wizard!.foundIn(d);
      const region = fromContext ?? account?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      const regionSource = fromContext ? `from context ${d.kubeContext}` : account?.region ? foundIn : env.AWS_REGION ? 'from AWS_REGION' : env.AWS_DEFAULT_REGION ? 'from AWS_DEFAULT_REGION' : undefined;
      return [
        text({ id: 'aws.region', title: 'AWS region', initial: region, source: regionSource, path: ['aws', 'region'], placeholder: 'ap-northeast-1' }),
        text({
          id: 'aws.profile',
          title: 'AWS profile (empty: the SDK default chain)',
          initial: env.AWS_PROFILE ?? account?.profile ?? 'default',
          source: env.AWS_PROFILE ? 'from AWS_PROFILE' : account?.profile ? foundIn : 'the default profile',
          path: ['aws', 'profile'],
          optional: true,
        }),
      ];
    },
    foundIn: (d) => found(d.findings, 'aws-identity').map((a) => `found in account ${a.account}`)[0] ?? 'found by the aws probe',
    managedMysql: (d) => found(d.findings, 'rds-instance').map((i) => ({ label: `RDS ${i.id}`, value: `rds:${i.id}`, hint: `${i.endpoint} · ${aws.wizard!.foundIn(d)}`, sets: { 'db.host': i.endpoint, 'db.port': String(i.port ?? 3306) } })),
    managedRedis: (d) =>
      found(d.findings, 'elasticache-group').map((i) => ({
        label: `ElastiCache ${i.id}`,
        value: `elasticache:${i.id}`,
        hint: `${maxmemoryPolicyHint(i.maxmemoryPolicy)} · ${aws.wizard!.foundIn(d)}`,
        sets: { 'redis.addr': `${i.endpoint}:${i.port ?? 6379}`, 'redis.cluster': i.clusterMode ? 'on' : 'off' },
        maxmemoryPolicy: i.maxmemoryPolicy,
      })),
    draft: (v) => (v['aws.region'] === undefined ? undefined : { aws: { region: v['aws.region'], profile: v['aws.profile'] || undefined } }),
    findings: ({ aws: a }) => [
      ...(a?.account && a.arn ? [{ kind: 'aws-identity' as const, account: a.account, arn: a.arn, region: a.region, profile: a.profile }] : []),
      // MySQL only: the account's Postgres and other engines are not offered.
      ...(a?.rds ?? []).flatMap((r) => (r.endpoint && r.engine.includes('mysql') ? [{ kind: 'rds-instance' as const, id: r.id, endpoint: r.endpoint, port: r.port }] : [])),
      ...(a?.elasticache ?? []).flatMap((g) => (g.endpoint ? [{ kind: 'elasticache-group' as const, id: g.id, endpoint: g.endpoint, port: g.port, maxmemoryPolicy: g.maxmemoryPolicy, clusterMode: g.clusterMode }] : [])),
    ],
    findingLines: FINDING_LINES,
    identity: (findings) => found(findings, 'aws-identity').map((a) => `AWS account ${a.account}`)[0],
  },
  summary: (a) => `AWS ${a.aws!.region}${a.aws!.profile ? `, profile ${a.aws!.profile}` : ''}`,
};
