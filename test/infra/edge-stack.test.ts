import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import { ASSET_TYPES, assetAt, SVG_CSP } from '../../functions/core/assets';
import { OPEN_TO_OTHER_ORIGINS } from '../../functions/core/read';
import {
  assetGuardFunctionCode,
  CACHE_KEY_QUERY_STRINGS,
  CORS_PATH_PATTERNS,
  EDGE_ASSET_EXTENSIONS,
  MAX_CACHE_BEHAVIORS,
  preflightFunctionCode,
} from '../../infra/constructs/edge';
import { MissingSetting, PublishingStack, type PublishingStackProps } from '../../infra/stack';

// CloudFormation's built-in validation adds seconds per synth and checks nothing of ours.
process.env.CDK_VALIDATION = 'false';

const REPO_ROOT = path.join(__dirname, '..', '..');
const CDK_JSON = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8091-a2b3c4d5e6f7';

/** The stack as `cdk synth` builds it (same context, cdk-nag as infra/app.ts applies it), without bundling. */
function synthesize(context: Record<string, unknown> = {}, props: PublishingStackProps = {}) {
  const app = new App({ context: { ...CDK_JSON.context, ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new PublishingStack(app, 'PublishingStack', props);
  new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true });
  return { app, stack, template: Template.fromStack(stack) };
}

/** What synth would say about a configuration: the error, or undefined when it synthesizes. */
function refusal(context: Record<string, unknown>, props: PublishingStackProps = {}): Error | undefined {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  try {
    new PublishingStack(app, 'Edge', props);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

type Behavior = Record<string, unknown> & { PathPattern?: string; TargetOriginId: string };

let synthesized: ReturnType<typeof synthesize>;
let template: Template;
let stack: PublishingStack;
let config: {
  DefaultCacheBehavior: Behavior;
  CacheBehaviors: Behavior[];
  Origins: Array<Record<string, unknown> & { Id: string }>;
  [key: string]: unknown;
};

beforeAll(() => {
  synthesized = synthesize();
  ({ template, stack } = synthesized);
  config = template.toJSON().Resources[logicalId(stack.edge.distribution)].Properties.DistributionConfig;
}, 60_000);

function originOf(behavior: Behavior) {
  return config.Origins.find((origin) => origin.Id === behavior.TargetOriginId)!;
}

describe('CloudFront distribution', () => {
  it('has two origins: the HTTP API over HTTPS only, and the content bucket through Origin Access Control', () => {
    expect(config.Origins).toHaveLength(2);
    const api = originOf(config.DefaultCacheBehavior);
    expect(api).toMatchObject({
      DomainName: {
        'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [logicalId(stack.httpApi), 'ApiEndpoint'] }] }],
      },
      CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
    });
    const bucket = config.Origins.find((origin) => origin !== api)!;
    expect(bucket).toMatchObject({
      DomainName: { 'Fn::GetAtt': [logicalId(stack.contentBucket), 'RegionalDomainName'] },
      // The bucket's posts/ folder is the site's root (functions/core/assets.ts).
      OriginPath: '/posts',
      OriginAccessControlId: { 'Fn::GetAtt': [expect.stringMatching(/OriginAccessControl/), 'Id'] },
    });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
  });

  it('redirects HTTP to HTTPS, compresses, and speaks HTTP/2 and 3, on every behavior', () => {
    expect(config.HttpVersion).toBe('http2and3');
    for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
      expect(behavior, behavior.PathPattern ?? 'default').toMatchObject({
        ViewerProtocolPolicy: 'redirect-to-https',
        Compress: true,
      });
    }
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(config.DefaultCacheBehavior.CachedMethods).toEqual(['GET', 'HEAD']);
  });

  it('keys the cache on the path and the query strings the routes read, with Accept-Encoding normalised, and TTLs from the origin', () => {
    const policyId = (config.DefaultCacheBehavior.CachePolicyId as { Ref: string }).Ref;
    const policy = template.toJSON().Resources[policyId].Properties.CachePolicyConfig;
    expect(policy).toMatchObject({
      MinTTL: 0,
      // An answer without Cache-Control is not cached; s-maxage/max-age say how long the rest is.
      DefaultTTL: 0,
      MaxTTL: 365 * 24 * 3600,
      ParametersInCacheKeyAndForwardedToOrigin: {
        EnableAcceptEncodingGzip: true,
        EnableAcceptEncodingBrotli: true,
        QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['before', 'infoCode', 'to'] },
        HeadersConfig: { HeaderBehavior: 'none' },
        CookiesConfig: { CookieBehavior: 'none' },
      },
    });
  });

  it('keys the cache on every query string the read views take, and no other (it follows functions/core/read.ts)', () => {
    const read = readFileSync(path.join(REPO_ROOT, 'functions/core/read.ts'), 'utf8');
    const used = [...read.matchAll(/request\.query(?:\.(\w+)|\[['"](\w+)['"]\])/g)].map(
      (match) => match[1] ?? match[2],
    );
    expect(used.length).toBeGreaterThan(0);
    expect([...new Set(used)].sort()).toEqual([...CACHE_KEY_QUERY_STRINGS].sort());
  });

  it('forwards no viewer header, cookie or extra query string to the API (API Gateway gets its own Host)', () => {
    const policyId = (config.DefaultCacheBehavior.OriginRequestPolicyId as { Ref: string }).Ref;
    expect(template.toJSON().Resources[policyId].Properties.OriginRequestPolicyConfig).toMatchObject({
      HeadersConfig: { HeaderBehavior: 'none' },
      CookiesConfig: { CookieBehavior: 'none' },
      QueryStringsConfig: { QueryStringBehavior: 'none' },
    });
  });

  it('serves on the *.cloudfront.net name without a custom domain, and logs every request to a private bucket that takes CloudFront’s ACL-delivered logs', () => {
    expect(config.Aliases).toBeUndefined();
    expect(config.ViewerCertificate).toBeUndefined();
    const logBucketId = logicalId(stack.edge.logBucket);
    expect(config.Logging).toEqual({
      Bucket: { 'Fn::GetAtt': [logBucketId, 'RegionalDomainName'] },
      Prefix: 'distribution/',
    });
    expect(template.toJSON().Resources[logBucketId].Properties).toMatchObject({
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 90 })] },
    });
  });

  it(`stays within CloudFront's ${MAX_CACHE_BEHAVIORS} cache behaviors`, () => {
    expect(config.CacheBehaviors.length).toBeLessThanOrEqual(MAX_CACHE_BEHAVIORS);
  });
});

describe('CORS at the edge', () => {
  const corsPolicyId = () => logicalId(stack.edge.corsPolicy);

  it('opens exactly the feeds, OPML, sitemaps and robots.txt to any origin, without credentials', () => {
    const opened = config.CacheBehaviors.filter(
      (behavior) => (behavior.ResponseHeadersPolicyId as { Ref?: string } | undefined)?.Ref === corsPolicyId(),
    ).map((behavior) => behavior.PathPattern);
    expect(opened).toEqual([
      '/feed.*',
      '/feeds.opml',
      '/category/*.rss',
      '/category/*.atom',
      '/category/*.json',
      '/tag/*.rss',
      '/tag/*.atom',
      '/tag/*.json',
      '/sitemap.xml',
      '/sitemaps/*',
      '/news-sitemap.xml',
      '/robots.txt',
    ]);
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toBeUndefined();
    expect(template.toJSON().Resources[corsPolicyId()].Properties.ResponseHeadersPolicyConfig.CorsConfig).toMatchObject(
      {
        AccessControlAllowOrigins: { Items: ['*'] },
        AccessControlAllowMethods: { Items: ['GET', 'HEAD', 'OPTIONS'] },
        AccessControlAllowCredentials: false,
        OriginOverride: false,
      },
    );
  });

  it('opens at the edge exactly what the read function opens (its OPEN_TO_OTHER_ORIGINS)', () => {
    // CloudFront path patterns: `*` is any run of characters, `?` one; case-sensitive.
    const matchers = CORS_PATH_PATTERNS.map(
      (pattern) =>
        new RegExp(
          `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')
            .replace(/\?/g, '.')}$`,
        ),
    );
    for (const path of [
      '/feed.rss',
      '/feed.atom',
      '/feed.json',
      '/feeds.opml',
      '/robots.txt',
      '/sitemap.xml',
      '/news-sitemap.xml',
      '/sitemaps/posts-2022-01-12.xml',
      '/category/成都.rss',
      '/category/news.atom',
      '/tag/a b.json',
      '/',
      '/category/news.html',
      '/tag/news.html',
      '/s/1NdoNqY',
      '/html_News/NewsShare.html',
      '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html',
    ])
      expect(
        matchers.some((matcher) => matcher.test(path)),
        path,
      ).toBe(OPEN_TO_OTHER_ORIGINS.test(path));
  });

  it('sends those paths to the API with the same cache and origin request policies as the default behavior', () => {
    for (const pattern of CORS_PATH_PATTERNS) {
      const behavior = config.CacheBehaviors.find((candidate) => candidate.PathPattern === pattern)!;
      expect(behavior, pattern).toMatchObject({
        TargetOriginId: config.DefaultCacheBehavior.TargetOriginId,
        CachePolicyId: config.DefaultCacheBehavior.CachePolicyId,
        OriginRequestPolicyId: config.DefaultCacheBehavior.OriginRequestPolicyId,
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
        FunctionAssociations: [
          {
            EventType: 'viewer-request',
            FunctionARN: { 'Fn::GetAtt': [logicalId(stack.edge.preflightFunction), 'FunctionARN'] },
          },
        ],
      });
    }
  });

  it('answers a preflight with 204 and the CORS headers, and passes every other request on', () => {
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: preflightFunctionCode(),
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
    });
    const handler = new Function(`${preflightFunctionCode()}; return handler;`)() as (event: unknown) => {
      statusCode?: number;
      headers?: Record<string, { value: string }>;
    };
    const preflight = handler({ request: { method: 'OPTIONS', uri: '/feed.rss', headers: {} } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': { value: '*' },
      'access-control-allow-methods': { value: 'GET, HEAD, OPTIONS' },
    });
    const get = { method: 'GET', uri: '/feed.rss', headers: {} };
    expect(handler({ request: get })).toBe(get);
  });
});

describe('files beside posts at the edge', () => {
  const assetBehaviors = () => config.CacheBehaviors.filter((behavior) => behavior.PathPattern?.startsWith('*.'));

  it('serves the lower-case pictures and media from the bucket, one behavior each, after the API paths', () => {
    expect(assetBehaviors().map((behavior) => behavior.PathPattern)).toEqual(
      EDGE_ASSET_EXTENSIONS.map((extension) => `*.${extension}`),
    );
    for (const extension of EDGE_ASSET_EXTENSIONS) expect(ASSET_TYPES).toHaveProperty(extension);
    const patterns = config.CacheBehaviors.map((behavior) => behavior.PathPattern);
    expect(patterns.indexOf('*.jpg')).toBeGreaterThan(patterns.indexOf('/category/*.json'));
    for (const behavior of assetBehaviors()) {
      expect(originOf(behavior).OriginPath).toBe('/posts');
      expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    }
  });

  it('answers files with nosniff and a sandboxing CSP, so an uploaded HTML or SVG cannot run script', () => {
    for (const behavior of assetBehaviors()) {
      expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: logicalId(stack.edge.assetHeadersPolicy) });
    }
    const headers =
      template.toJSON().Resources[logicalId(stack.edge.assetHeadersPolicy)].Properties.ResponseHeadersPolicyConfig
        .SecurityHeadersConfig;
    expect(headers).toEqual({
      ContentTypeOptions: { Override: true },
      ContentSecurityPolicy: { ContentSecurityPolicy: SVG_CSP, Override: true },
    });
    expect(SVG_CSP).toMatch(/\bsandbox\b/);
  });

  it('grants the distribution, and nobody else, s3:GetObject on exactly the files it serves', () => {
    const policy = template.toJSON().Resources[logicalId(stack.contentBucket.policy!)].Properties.PolicyDocument;
    const allows = (policy.Statement as Array<Record<string, unknown>>).filter(
      (statement) => statement.Effect === 'Allow',
    );
    expect(allows).toEqual([
      {
        Sid: 'CloudFrontReadsServedFiles',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: EDGE_ASSET_EXTENSIONS.map((extension) => ({
          'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.contentBucket), 'Arn'] }, `/posts/*.${extension}`]],
        })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudfront::',
                  { Ref: 'AWS::AccountId' },
                  ':distribution/',
                  { Ref: logicalId(stack.edge.distribution) },
                ],
              ],
            },
          },
        },
      },
    ]);
  });

  it('keeps the content bucket fully private', () => {
    expect(
      template.toJSON().Resources[logicalId(stack.contentBucket)].Properties.PublicAccessBlockConfiguration,
    ).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('refuses at the edge exactly the file paths the read function refuses (drafts, dot folders, %, empty segments)', () => {
    for (const behavior of assetBehaviors()) {
      expect(behavior.FunctionAssociations).toEqual([
        {
          EventType: 'viewer-request',
          FunctionARN: { 'Fn::GetAtt': [logicalId(stack.edge.assetGuardFunction), 'FunctionARN'] },
        },
      ]);
    }
    const handler = new Function(`${assetGuardFunctionCode()}; return handler;`)() as (event: unknown) => {
      statusCode?: number;
    };
    const paths = [
      '/assets/logo.png',
      '/news/_posts/photo.jpg',
      '/新闻/图片.jpg',
      '/_drafts/photo.jpg',
      '/_site/a.png',
      '/.git/a.png',
      '/a/../b.png',
      '/a/./b.png',
      '//a.png',
      '/a//b.png',
      '/a\\b.png',
      '/a%b.png',
      '/a\u0001b.png',
      `/${'a'.repeat(1020)}.png`,
      `/${'a'.repeat(1010)}.png`,
    ];
    for (const sitePath of paths) {
      let servedByFunction: boolean;
      try {
        servedByFunction = assetAt(sitePath) !== undefined;
      } catch {
        servedByFunction = false;
      }
      const uri = sitePath
        .split('/')
        .map((segment) => encodeURIComponent(segment))
        .join('/');
      const request = { method: 'GET', uri, headers: {} };
      expect(handler({ request }) === request, sitePath).toBe(servedByFunction);
    }
  });
});

describe('site address', () => {
  it('outputs SiteUrl (the distribution) beside ApiUrl', () => {
    template.hasOutput('SiteUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.edge.distribution), 'DomainName'] }]] },
    });
    template.hasOutput('ApiUrl', {});
  });

  it('serves a custom domain with an imported us-east-1 certificate under TLSv1.2_2021, and links to it', () => {
    const custom = synthesize({ domainName: 'news.example.com', certificateArn: CERTIFICATE_ARN });
    const distribution =
      custom.template.toJSON().Resources[logicalId(custom.stack.edge.distribution)].Properties.DistributionConfig;
    expect(distribution.Aliases).toEqual(['news.example.com']);
    expect(distribution.ViewerCertificate).toEqual({
      AcmCertificateArn: CERTIFICATE_ARN,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    custom.template.hasOutput('SiteUrl', { Value: 'https://news.example.com' });
    for (const fn of [custom.stack.httpFunction, custom.stack.ingestFunction]) {
      const variables = custom.template.toJSON().Resources[logicalId(fn)].Properties.Environment.Variables;
      expect(variables[ENV.siteUrl]).toBe('https://news.example.com');
    }
    // No certificate of the stack's own, no DNS records: only the name.
    custom.template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    custom.template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(new AwsSolutionsChecks().validateScope(custom.app).violations).toEqual([]);
  }, 60_000);

  it('creates a DNS-validated certificate and A/AAAA alias records with hostedZoneId, and stops a deployment outside us-east-1', () => {
    const zoned = synthesize({ domainName: 'news.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' });
    zoned.template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'news.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'news.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
    for (const type of ['A', 'AAAA']) {
      zoned.template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'news.example.com.',
        Type: type,
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: Match.objectLike({
          DNSName: { 'Fn::GetAtt': [logicalId(zoned.stack.edge.distribution), 'DomainName'] },
        }),
      });
    }
    // The stack has no fixed region here: CloudFormation refuses to deploy it elsewhere than us-east-1.
    expect(zoned.template.toJSON().Rules.SiteCertificateRegion.Assertions[0].Assert).toEqual({
      'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'],
    });
  }, 60_000);

  it('refuses half a domain configuration, naming the missing setting', () => {
    expect(refusal({ domainName: 'news.example.com' })).toEqual(
      expect.objectContaining({
        key: 'certificateArn',
        message: expect.stringMatching(/domainName needs the setting certificateArn .* or hostedZoneId/),
      }),
    );
    for (const given of [{ certificateArn: CERTIFICATE_ARN }, { hostedZoneId: 'Z0123456789ABCDEFGHIJ' }]) {
      const error = refusal(given);
      expect(error, JSON.stringify(given)).toBeInstanceOf(MissingSetting);
      expect(error).toMatchObject({ key: 'domainName' });
      expect(error!.message).toMatch(/needs the setting domainName too/);
    }
  });

  it('refuses a certificate outside us-east-1, and a new certificate in a stack fixed to another region', () => {
    expect(
      refusal({
        domainName: 'news.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8091-a2b3c4d5e6f7',
      })?.message,
    ).toMatch(/certificateArn must be an ACM certificate in us-east-1/);
    const elsewhere = refusal(
      { domainName: 'news.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      { env: { region: 'eu-west-1' } },
    );
    expect(elsewhere).toMatchObject({ key: 'certificateArn' });
    expect(elsewhere!.message).toMatch(/eu-west-1.*us-east-1 only.*-c certificateArn=/);
    expect(
      refusal(
        { domainName: 'news.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
        { env: { region: 'us-east-1' } },
      ),
    ).toBeUndefined();
  }, 60_000);

  it('keeps an explicit siteUrl over the domain', () => {
    const explicit = synthesize({
      domainName: 'news.example.com',
      certificateArn: CERTIFICATE_ARN,
      siteUrl: 'https://www.example.com',
    });
    const variables =
      explicit.template.toJSON().Resources[logicalId(explicit.stack.httpFunction)].Properties.Environment.Variables;
    expect(variables[ENV.siteUrl]).toBe('https://www.example.com');
  }, 60_000);
});

describe('capacity', () => {
  it('reserves 10 concurrent executions for ingest, so a bulk upload leaves the rest to the read function', () => {
    expect(template.toJSON().Resources[logicalId(stack.ingestFunction)].Properties.ReservedConcurrentExecutions).toBe(
      10,
    );
    expect(
      template.toJSON().Resources[logicalId(stack.httpFunction)].Properties.ReservedConcurrentExecutions,
    ).toBeUndefined();
  });

  it('takes ingestConcurrency from context (none: unreserved) and refuses a wrong one', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ingestConcurrency: '25' } });
    const configured = new PublishingStack(app, 'Configured');
    expect(
      Template.fromStack(configured).toJSON().Resources[logicalId(configured.ingestFunction)].Properties
        .ReservedConcurrentExecutions,
    ).toBe(25);
    const unreservedApp = new App({ context: { 'aws:cdk:bundling-stacks': [], ingestConcurrency: 'none' } });
    const unreserved = new PublishingStack(unreservedApp, 'Unreserved');
    expect(
      Template.fromStack(unreserved).toJSON().Resources[logicalId(unreserved.ingestFunction)].Properties
        .ReservedConcurrentExecutions,
    ).toBeUndefined();
    expect(refusal({ ingestConcurrency: '0' })).toMatchObject({ key: 'ingestConcurrency' });
  }, 60_000);

  it('throttles the API at 250 requests/s (bursts of 500) by default', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 250, ThrottlingBurstLimit: 500 },
    });
  });
});

describe('the template', () => {
  it('has no dependency cycle (distribution → API, read function → distribution, integration → read function)', () => {
    const resources = template.toJSON().Resources as Record<string, { DependsOn?: string | string[] }>;
    const edges = new Map<string, Set<string>>();
    const collect = (value: unknown, into: Set<string>) => {
      if (Array.isArray(value)) for (const item of value) collect(item, into);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'Ref' && typeof inner === 'string' && inner in resources) into.add(inner);
          else if (key === 'Fn::GetAtt' && Array.isArray(inner) && inner[0] in resources) into.add(inner[0]);
          else collect(inner, into);
        }
      }
    };
    for (const [id, resource] of Object.entries(resources)) {
      const targets = new Set<string>();
      collect({ ...resource, DependsOn: undefined }, targets);
      for (const dependency of [resource.DependsOn ?? []].flat()) targets.add(dependency);
      edges.set(id, targets);
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (id: string, trail: string[]) => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(id)), id].join(' → '));
        return;
      }
      state.set(id, 'visiting');
      for (const next of edges.get(id) ?? []) visit(next, [...trail, id]);
      state.set(id, 'done');
    };
    for (const id of edges.keys()) visit(id, []);
    expect(cycles).toEqual([]);
    // The read function's SITE_URL names the distribution, which names the API: the chain exists.
    expect(edges.get(logicalId(stack.httpFunction))).toContain(logicalId(stack.edge.distribution));
  });

  it('passes cdk-nag with the edge in place', () => {
    const report = new AwsSolutionsChecks().validateScope(synthesized.app);
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});
