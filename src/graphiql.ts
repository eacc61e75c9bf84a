/**
 * GraphiQL: what it opens on, its page and the files the page loads.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';
import { escapeHtml, jsonForScript } from './site/html.js';
import { sendBody } from './transport/compression.js';


/**
 * What GraphiQL opens on: the demo story with its entries, people, places
 * and quotes, and — when the demo story exists — a ready mutation that
 * publishes into it with the token printed at start-up.
 */
export function graphiqlDefaultQuery(demo: { slug: string; globalId: string | null }): string {
  return demo.globalId ? `${readQuery(demo.slug)}\n${publishMutation(demo.slug, demo.globalId)}` : readQuery(demo.slug);
}

const readQuery = (slug: string) => `# Welcome to Diretta: the story graph of a live blog.
# Press ▶ to run this query on the demo story; open the docs (top left) to explore.

query DemoStory {
  story(slug: "${slug}") {
    title
    summary
    status
    counts { entries keyEvents quotes people places }
    pinnedEntry { headline publishedAt }
    entries(first: 10) {
      edges {
        cursor
        node {
          publishedAt
          headline
          body
          keyEvent
          people { name description }
          places { name kind parent { name } }
          quotes { text source speaker { name } attribution }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
    people(first: 5) { edges { mentions node { id name description } } }
    eventCursor
  }
}
`;

const publishMutation = (slug: string, storyId: string) => `
# To publish: paste the editor token printed at start-up into Headers as
# {"Authorization": "Bearer <token>"}, choose PublishEntry with ▶, and watch
# the entry arrive on this server's page /live/${slug}
mutation PublishEntry {
  createEntry(input: {
    story: "${storyId}"
    headline: "Nuovo allarme aereo a Kiev"
    body: "Le sirene suonano di nuovo nella capitale ucraina."
    keyEvent: false
  }) {
    # Kiev is linked on publish (see docs/linking.md); autoLink: false turns it off.
    entry { id status publishedAt headline places { name } }
  }
}

# With the same token: what Diretta finds in a text before you publish it —
# the people and places it names, and its quotes with their speaker.
query AnalyzeText {
  analyzeText(
    story: "${storyId}"
    text: "Il portavoce del Cremlino Dmitrij Peskov ha detto: «Le trattative proseguono». A Kiev nuovo allarme aereo."
  ) {
    mentions { kind text start end target { ... on Person { name } ... on Place { name } } }
    quotes { text speaker { name } attribution source }
  }
}
`;

/**
 * GraphiQL served from this server, never from a CDN: the bundle, the
 * stylesheet and Monaco's three workers come from the npm package
 * @graphql-yoga/render-graphiql (the one Yoga's own renderer loads from
 * unpkg), and are answered at /graphiql/assets/<name>.<hash>.<ext> with a year
 * of caching. The page has no inline script: the options travel in a JSON
 * block read by a small boot script, so the Content-Security-Policy allows
 * scripts from 'self' only.
 */
export const GRAPHIQL_ASSET_PREFIX = '/graphiql/assets/';

/**
 * Scripts, workers, connections and images from this origin only. Monaco and
 * GraphiQL add <style> elements at run time without a nonce, so styles allow
 * 'unsafe-inline' (styles only: no script runs from inline code); the
 * stylesheet embeds its fonts and icons as data: URLs.
 */
export const GRAPHIQL_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface GraphiQLAsset {
  path: string;
  body: Buffer;
  contentType: string;
  etag: string;
  /** gzip of the body, made on the first request that accepts it. */
  gzipped?: Promise<Buffer> | undefined;
}

interface GraphiQLBundle {
  script: GraphiQLAsset;
  boot: GraphiQLAsset;
  stylesheet: GraphiQLAsset;
  favicon: GraphiQLAsset;
  workers: { editorWorkerService: GraphiQLAsset; json: GraphiQLAsset; graphql: GraphiQLAsset };
  byPath: Map<string, GraphiQLAsset>;
}

const JAVASCRIPT = 'text/javascript; charset=utf-8';
const BOOT_DATA_ID = 'graphiql-options';

/**
 * Sets up Monaco's workers (same-origin URLs instead of the blobs the stock
 * page makes) and renders GraphiQL with the options of the JSON block, once
 * the bundle that follows it has run.
 */
const bootScript = `(function () {
  var config = JSON.parse(document.getElementById(${JSON.stringify(BOOT_DATA_ID)}).textContent);
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (moduleId, label) { return config.workers[label]; }
  };
  addEventListener('DOMContentLoaded', function () {
    YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), config.options);
  });
})();
`;

function makeAsset(name: string, extension: string, body: Buffer, contentType: string): GraphiQLAsset {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  return { path: `${GRAPHIQL_ASSET_PREFIX}${name}.${hash}.${extension}`, body, contentType, etag: `"${hash}"` };
}

let loading: Promise<GraphiQLBundle> | null = null;

/** The package is 9 MB of strings: loaded on the first GraphiQL request, not at start-up. */
function graphiqlBundle(): Promise<GraphiQLBundle> {
  loading ??= import('@graphql-yoga/render-graphiql/graphiql').then((files) => {
    const favicon = /^data:([^;,]+);base64,(.*)$/s.exec(files.favicon);
    const text = (source: string) => Buffer.from(source, 'utf8');
    const bundle: Omit<GraphiQLBundle, 'byPath'> = {
      script: makeAsset('graphiql', 'js', text(files.js), JAVASCRIPT),
      boot: makeAsset('boot', 'js', text(bootScript), JAVASCRIPT),
      stylesheet: makeAsset('graphiql', 'css', text(files.css), 'text/css; charset=utf-8'),
      favicon: favicon ? makeAsset('favicon', 'ico', Buffer.from(favicon[2]!, 'base64'), favicon[1]!) : makeAsset('favicon', 'ico', Buffer.alloc(0), 'image/x-icon'),
      workers: {
        editorWorkerService: makeAsset('editor.worker', 'js', text(files.editorWorkerService), JAVASCRIPT),
        json: makeAsset('json.worker', 'js', text(files.jsonWorker), JAVASCRIPT),
        graphql: makeAsset('graphql.worker', 'js', text(files.graphqlWorker), JAVASCRIPT),
      },
    };
    const all = [bundle.script, bundle.boot, bundle.stylesheet, bundle.favicon, ...Object.values(bundle.workers)];
    return { ...bundle, byPath: new Map(all.map((a) => [a.path, a])) };
  });
  loading.catch(() => (loading = null));
  return loading;
}

/** GraphiQL's page, for Yoga's `renderGraphiQL`: every URL in it is a path on this server. */
export async function renderGraphiQLPage(options: GraphiQLOptions): Promise<string> {
  const bundle = await graphiqlBundle();
  const workers = Object.fromEntries(Object.entries(bundle.workers).map(([label, a]) => [label, a.path]));
  const title = escapeHtml(options.title ?? 'GraphiQL');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="${bundle.favicon.path}">
<link rel="stylesheet" href="${bundle.stylesheet.path}">
</head>
<body id="body" class="no-focus-outline">
<noscript>GraphiQL needs JavaScript. The API itself answers POST requests at this URL.</noscript>
<div id="root"></div>
<script type="application/json" id="${BOOT_DATA_ID}">${jsonForScript({ options: { ...options, favicon: bundle.favicon.path }, workers })}</script>
<script src="${bundle.boot.path}"></script>
<script src="${bundle.script.path}"></script>
</body>
</html>
`;
}

/** Headers of the GraphiQL page (a Yoga plugin: the page is Yoga's answer to a browser's GET /graphql). */
export function useGraphiQLPolicy(): Plugin {
  return {
    onResponse({ response }) {
      if (!response.headers.get('content-type')?.startsWith('text/html')) return;
      // (delete first: @whatwg-node's headers would keep Yoga's 'Content-Type' beside a new 'content-type')
      response.headers.delete('content-type');
      response.headers.set('content-type', 'text/html; charset=utf-8');
      response.headers.set('content-security-policy', GRAPHIQL_CONTENT_SECURITY_POLICY);
      response.headers.set('x-content-type-options', 'nosniff');
      response.headers.set('referrer-policy', 'no-referrer');
      response.headers.set('cache-control', 'no-cache');
    },
  };
}

/** Answers a request under /graphiql/assets/; the names carry their content's hash, so they are cached for a year. */
export async function serveGraphiQLAsset(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split(/[?#]/)[0]!;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('Method not allowed\n');
    return;
  }
  let file: GraphiQLAsset | undefined;
  try {
    file = (await graphiqlBundle()).byPath.get(path);
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('GraphiQL could not be loaded.\n');
    return;
  }
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
    res.end('Not found\n');
    return;
  }
  const headers = {
    'content-type': file.contentType,
    etag: file.etag,
    'cache-control': 'public, max-age=31536000, immutable',
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
  };
  await sendBody(req, res, file.body, headers, { fresh: req.headers['if-none-match'] === file.etag, memo: file });
}
