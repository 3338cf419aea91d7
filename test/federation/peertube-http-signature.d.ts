// Types for the parts of @peertube/http-signature (a CommonJS package without its own types) that
// the interoperability tests use.
declare module '@peertube/http-signature' {
  import type { ClientRequest, IncomingMessage } from 'node:http';

  export interface ParsedSignature {
    scheme: string;
    keyId: string;
    algorithm: string;
    signingString: string;
    params: { keyId: string; algorithm: string; headers: string[]; signature: string };
  }

  interface HttpSignature {
    parseRequest(request: IncomingMessage, options?: { headers?: string[]; clockSkew?: number; authorizationHeaderName?: string }): ParsedSignature;
    verifySignature(parsed: ParsedSignature, publicKeyPem: string): boolean;
    signRequest(request: ClientRequest, options: { key: string; keyId: string; headers?: string[]; algorithm?: string; authorizationHeaderName?: string }): boolean;
  }

  const httpSignature: HttpSignature;
  export default httpSignature;
}
