/**
 * Request bodies as Mastodon clients send them: JSON (fastify's own parser), HTML forms
 * (application/x-www-form-urlencoded) and multipart/form-data (what several apps use for
 * /api/v1/apps and statuses). Both form kinds become plain objects: a repeated name or a name
 * ending in `[]` becomes an array. Bodies are bounded by the server's body limit before parsing;
 * file parts are dropped (this server takes no media yet).
 */
import type { FastifyInstance } from 'fastify';

export type FormValue = string | string[];
export type Form = Record<string, FormValue>;

/** Fold name/value pairs into an object; `a[]` and repeated `a` make arrays, `a[b]` is kept as is. */
export function formObject(pairs: Iterable<[string, string]>): Form {
  const out: Form = Object.create(null);
  for (const [rawName, value] of pairs) {
    const isArray = rawName.endsWith('[]');
    const name = isArray ? rawName.slice(0, -2) : rawName;
    const have = out[name];
    if (have === undefined) out[name] = isArray ? [value] : value;
    else out[name] = Array.isArray(have) ? [...have, value] : [have, value];
  }
  return out;
}

export function installBodyParsers(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, formObject(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body, done) => {
    const type = req.headers['content-type'] ?? '';
    new Response(body as Buffer, { headers: { 'content-type': type } })
      .formData()
      .then((fd) => {
        const pairs: Array<[string, string]> = [];
        for (const [k, v] of fd) if (typeof v === 'string') pairs.push([k, v]);
        done(null, formObject(pairs));
      })
      .catch(() => {
        const err = Object.assign(new Error('Nội dung multipart/form-data không đọc được: hãy kiểm tra ranh giới (boundary) trong Content-Type'), { statusCode: 400 });
        done(err, undefined);
      });
  });
}
