import { Annotations, Aws, Duration, Fn, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  type BehaviorOptions,
  CacheCookieBehavior,
  CachedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  OriginSslPolicy,
  ResponseHeadersPolicy,
  S3OriginAccessControl,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ASSET_CACHE, ASSET_ROOT, SVG_CSP } from '../../functions/core/assets';

/**
 * The query strings the read function reads (`request.query.…` in functions/core/read.ts): `before`
 * (listing and archive cursors), `infoCode` (legacy share links), `to` (previous/next post). They
 * are the cache key's only query strings and the only ones the API sees, so `?utm_source=…` costs
 * no origin request. This list must follow the route table: a new query string a view reads must
 * be added here (test/infra/edge-stack.test.ts compares it with read.ts).
 */
export const CACHE_KEY_QUERY_STRINGS = ['before', 'infoCode', 'to'] as const;

/**
 * Paths that any web page may fetch (CORS `*`, no credentials): feeds, OPML, sitemaps and
 * robots.txt, which web feed readers and SEO tools read from the browser; the read function
 * says the same of exactly these (`OPEN_TO_OTHER_ORIGINS`, functions/core/read.ts; a test
 * compares them). Pages, category and tag listings and share links stay same-origin.
 */
export const CORS_PATH_PATTERNS = [
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
] as const;

/**
 * Files beside posts that the edge serves straight from the bucket (one behavior each).
 * CloudFront path patterns are case-sensitive and a distribution has at most 25 cache behaviors
 * (a quota), so the 31 allowed extensions in two cases (62 patterns, functions/core/assets.ts)
 * cannot all have one. These are the lower-case pictures, podcast audio and video, which pages
 * and feed enclosures link. Every other file (upper case, `.pdf` — Chromium refuses to show a PDF
 * under the sandboxing CSP below —, office documents, archives) reaches the read function, which
 * answers 302 to a presigned S3 GET, as before the CDN.
 */
export const EDGE_ASSET_EXTENSIONS = ['jpg', 'jpeg', 'png', 'gif', 'webp', 'avif', 'svg', 'ico', 'mp3', 'm4a', 'mp4'];

/** CloudFront's quota of cache behaviors per distribution (besides the default one). */
export const MAX_CACHE_BEHAVIORS = 25;

/** How long a browser may keep a CORS preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 86_400;
const CORS_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;

/**
 * The viewer-request function of the CORS behaviors: answers a preflight (OPTIONS) at the edge
 * with 204 and the CORS headers, so it never reaches the API (which has no OPTIONS routes);
 * passes every other request on untouched.
 */
export function preflightFunctionCode(): string {
  return `function handler(event) {
  var request = event.request;
  if (request.method !== 'OPTIONS') return request;
  return {
    statusCode: 204,
    statusDescription: 'No Content',
    headers: {
      'access-control-allow-origin': { value: '*' },
      'access-control-allow-methods': { value: '${CORS_METHODS.join(', ')}' },
      'access-control-allow-headers': { value: '*' },
      'access-control-max-age': { value: '${PREFLIGHT_MAX_AGE_SECONDS}' }
    }
  };
}`;
}

/**
 * The viewer-request function of the file behaviors: refuses (404) the paths the read function
 * never serves as files (functions/core/assets.ts, assetAt): an empty, `.` or `..` segment, one
 * starting with `.` or with `_` other than `_posts` (drafts, `_site`), one holding `\`, `%` or a
 * control character, or a key over S3's 1,024 bytes. Paths are decoded first, as API Gateway
 * decodes them and S3 decodes the key. test/infra/edge-stack.test.ts runs it against assetAt.
 */
export function assetGuardFunctionCode(): string {
  return `function handler(event) {
  var request = event.request;
  var notFound = { statusCode: 404, statusDescription: 'Not Found' };
  var path;
  try {
    path = decodeURIComponent(request.uri);
  } catch (e) {
    return notFound;
  }
  var segments = path.split('/');
  if (segments[0] !== '') return notFound;
  for (var i = 1; i < segments.length; i++) {
    var segment = segments[i];
    if (segment === '' || segment.charAt(0) === '.' || (segment.charAt(0) === '_' && segment !== '_posts')) return notFound;
    if (/[\\\\%\\u0000-\\u001f\\u007f]/.test(segment)) return notFound;
  }
  if (encodeURIComponent('${ASSET_ROOT}' + segments.slice(1).join('/')).replace(/%[0-9A-F]{2}/g, 'x').length > 1024) return notFound;
  return request;
}`;
}

export interface SiteEdgeProps {
  readonly httpApi: IHttpApi;
  readonly contentBucket: IBucket;
  /** Where S3 server access logs of the CloudFront log bucket go. */
  readonly accessLogBucket: IBucket;
  /** The site's own name and its certificate (in us-east-1); else the distribution's *.cloudfront.net name. */
  readonly domain?: { readonly domainName: string; readonly certificate: ICertificate };
}

/**
 * CloudFront in front of the site: the HTTP API for pages, feeds and share links (cached as the
 * read function's Cache-Control says), CORS on feeds and sitemaps, and the content bucket,
 * private behind Origin Access Control, for the files beside posts.
 */
export class SiteEdge extends Construct {
  readonly distribution: Distribution;
  readonly logBucket: Bucket;
  readonly apiCachePolicy: CachePolicy;
  readonly apiOriginRequestPolicy: OriginRequestPolicy;
  readonly corsPolicy: ResponseHeadersPolicy;
  readonly assetHeadersPolicy: ResponseHeadersPolicy;
  readonly preflightFunction: EdgeFunction;
  readonly assetGuardFunction: EdgeFunction;

  constructor(scope: Construct, id: string, props: SiteEdgeProps) {
    super(scope, id);

    // CloudFront standard logs are delivered with an ACL (the awslogsdelivery account writes
    // them), so this bucket, unlike the others, keeps ACLs enabled; it is still private.
    this.logBucket = new Bucket(this, 'LogBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'ExpireCdnLogs', expiration: Duration.days(90) }],
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'cdn-log-bucket/',
    });

    // What the read function's answers say is what the edge keeps: `s-maxage` (a short
    // freshness window), else `max-age`; an answer without Cache-Control is not cached
    // (defaultTtl 0). A stale copy is revalidated with If-None-Match, which the function
    // answers 304 from one small read. The encodings are normalised into the key so the
    // function's gzip and brotli bodies are cached side by side.
    this.apiCachePolicy = new CachePolicy(this, 'ApiCachePolicy', {
      comment: 'Pages and feeds: path plus the query strings the routes read; TTL from the origin',
      queryStringBehavior: CacheQueryStringBehavior.allowList(...CACHE_KEY_QUERY_STRINGS),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
    });
    // No viewer header reaches the API: not Host (API Gateway routes on its own name), not
    // cookies. The cache key's query strings and Accept-Encoding are forwarded by CloudFront anyway.
    this.apiOriginRequestPolicy = new OriginRequestPolicy(this, 'ApiOriginRequestPolicy', {
      comment: 'Nothing from the viewer beyond the cache key',
      headerBehavior: OriginRequestHeaderBehavior.none(),
      queryStringBehavior: OriginRequestQueryStringBehavior.none(),
      cookieBehavior: OriginRequestCookieBehavior.none(),
    });
    this.corsPolicy = new ResponseHeadersPolicy(this, 'FeedCorsPolicy', {
      comment: 'Feeds, OPML, sitemaps and robots.txt: readable from any origin, without credentials',
      corsBehavior: {
        accessControlAllowOrigins: ['*'],
        accessControlAllowMethods: [...CORS_METHODS],
        accessControlAllowHeaders: ['*'],
        accessControlAllowCredentials: false,
        // ETag for conditional polling from a page; Link carries the WebSub hub.
        accessControlExposeHeaders: ['ETag', 'Link'],
        accessControlMaxAge: Duration.seconds(PREFLIGHT_MAX_AGE_SECONDS),
        originOverride: false,
      },
    });
    this.preflightFunction = new EdgeFunction(this, 'PreflightFunction', {
      comment: 'Answers CORS preflight requests of feeds and sitemaps at the edge',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(preflightFunctionCode()),
    });

    const apiOrigin = new HttpOrigin(Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint)), {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });
    const apiBehavior: BehaviorOptions = {
      origin: apiOrigin,
      cachePolicy: this.apiCachePolicy,
      originRequestPolicy: this.apiOriginRequestPolicy,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: CachedMethods.CACHE_GET_HEAD,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      compress: true,
    };

    // The bucket as the distribution sees it: `posts/` is the site's root (ASSET_ROOT). Imported,
    // so that the origin does not grant the distribution s3:GetObject on every object (post
    // sources, _config.yml): the statement below grants exactly the files the edge serves.
    const originBucket = Bucket.fromBucketAttributes(this, 'ContentBucketOrigin', {
      bucketArn: props.contentBucket.bucketArn,
      bucketName: props.contentBucket.bucketName,
      bucketRegionalDomainName: props.contentBucket.bucketRegionalDomainName,
    });
    const assetOrigin = S3BucketOrigin.withOriginAccessControl(originBucket, {
      originPath: `/${ASSET_ROOT.replace(/\/$/, '')}`,
      originAccessControl: new S3OriginAccessControl(this, 'ContentOriginAccessControl', {
        description: 'CloudFront reads the files beside posts from the private content bucket',
      }),
    });
    Annotations.of(this).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
      'The content bucket is the stack own; its policy grants the distribution the served files below, not every object.',
    );
    const assetCachePolicy = new CachePolicy(this, 'AssetCachePolicy', {
      comment: 'Files beside posts: path only; 10 minutes unless the object says otherwise',
      queryStringBehavior: CacheQueryStringBehavior.none(),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.minutes(10),
      maxTtl: Duration.days(365),
    });
    // As functions/core/assets.ts serves files: nosniff, and a CSP that sandboxes whatever is
    // opened on its own (an SVG, or HTML uploaded under a picture's name), so it cannot run script.
    this.assetHeadersPolicy = new ResponseHeadersPolicy(this, 'AssetHeadersPolicy', {
      comment: 'Files beside posts: nosniff, a sandboxing CSP, 10 minutes of browser cache by default',
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        contentSecurityPolicy: { contentSecurityPolicy: SVG_CSP, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'Cache-Control', value: ASSET_CACHE, override: false }],
      },
    });
    this.assetGuardFunction = new EdgeFunction(this, 'AssetGuardFunction', {
      comment: 'Refuses file paths the site never serves (drafts, dot folders, % in names)',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(assetGuardFunctionCode()),
    });
    const assetBehavior: BehaviorOptions = {
      origin: assetOrigin,
      cachePolicy: assetCachePolicy,
      responseHeadersPolicy: this.assetHeadersPolicy,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: CachedMethods.CACHE_GET_HEAD,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      compress: true,
      functionAssociations: [{ function: this.assetGuardFunction, eventType: FunctionEventType.VIEWER_REQUEST }],
    };

    const additionalBehaviors: Record<string, BehaviorOptions> = {};
    // First match wins: the API's CORS paths before the file patterns (`/category/a.png` is
    // answered by the read function, as before the CDN).
    for (const pattern of CORS_PATH_PATTERNS) {
      additionalBehaviors[pattern] = {
        ...apiBehavior,
        responseHeadersPolicy: this.corsPolicy,
        functionAssociations: [{ function: this.preflightFunction, eventType: FunctionEventType.VIEWER_REQUEST }],
      };
    }
    for (const extension of EDGE_ASSET_EXTENSIONS) additionalBehaviors[`*.${extension}`] = assetBehavior;
    if (Object.keys(additionalBehaviors).length > MAX_CACHE_BEHAVIORS)
      throw new Error(
        `${Object.keys(additionalBehaviors).length} cache behaviors, over CloudFront's ${MAX_CACHE_BEHAVIORS}`,
      );

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Pages, feeds, share links and the files beside posts',
      defaultBehavior: apiBehavior,
      additionalBehaviors,
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'distribution/',
      ...(props.domain
        ? {
            domainNames: [props.domain.domainName],
            certificate: props.domain.certificate,
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });

    props.contentBucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudFrontReadsServedFiles',
        principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: EDGE_ASSET_EXTENSIONS.map((extension) =>
          props.contentBucket.arnForObjects(`${ASSET_ROOT}*.${extension}`),
        ),
        conditions: {
          StringEquals: {
            'AWS:SourceArn': `arn:${Aws.PARTITION}:cloudfront::${Aws.ACCOUNT_ID}:distribution/${this.distribution.distributionId}`,
          },
        },
      }),
    );

    const cfn = this.distribution.node.defaultChild!;
    Validations.of(cfn).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'A public news site and its feeds are read worldwide; there is no country the publisher must turn away, so no geo restriction applies.',
    });
    Validations.of(cfn).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'Every path is read-only and anonymous, answered from the edge cache, and the API behind it is throttled. A web ACL costs $0.60 per million requests, more than CloudFront itself at feed-polling volumes; attach one (webAclId) if abuse appears (docs/operations.md).',
    });
    if (!props.domain) {
      Validations.of(cfn).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain CloudFront serves its own *.cloudfront.net certificate, whose security policy it fixes itself; with -c domainName the distribution requires TLSv1.2_2021.',
      });
    }
  }
}
