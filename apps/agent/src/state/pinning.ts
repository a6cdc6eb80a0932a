import { X509Certificate, createHash } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/**
 * What the server's TLS showed at enrollment (AGT17): the top of the chain it
 * led to, and the leaf's public key. Afterwards the agent trusts only that CA,
 * so a certificate from any other CA — even a publicly trusted one — is refused.
 */
export interface PinnedServer {
  ca_pem: string;
  ca_subject: string;
  ca_sha256: string;
  leaf_subject: string;
  leaf_spki_sha256: string;
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The SHA-256 of a certificate's SubjectPublicKeyInfo, hex. */
export function spkiSha256(der: Buffer): string {
  const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

/** Reads the verified chain of a connected TLS socket and returns what to pin. */
export function capturePinned(socket: TLSSocket): PinnedServer {
  const leaf = socket.getPeerCertificate(true);
  if (!leaf?.raw) throw new Error('the server presented no certificate');
  let top: DetailedPeerCertificate = leaf;
  // Node links the chain through issuerCertificate; a self-signed root points at itself.
  for (let hops = 0; hops < 16; hops++) {
    const issuer = top.issuerCertificate;
    if (!issuer?.raw || issuer === top || issuer.raw.equals(top.raw)) break;
    top = issuer;
  }
  const ca = new X509Certificate(top.raw);
  return {
    ca_pem: toPem(top.raw),
    ca_subject: ca.subject.replace(/\n/g, ', '),
    ca_sha256: createHash('sha256').update(top.raw).digest('hex'),
    leaf_subject: new X509Certificate(leaf.raw).subject.replace(/\n/g, ', '),
    leaf_spki_sha256: spkiSha256(leaf.raw),
  };
}

const CHAIN_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** Turns a TLS failure into a sentence a technician can act on. */
export function explainTlsError(error: unknown, pinned: PinnedServer | null): string | null {
  const code = (error as { code?: string } | null)?.code ?? '';
  const detail = (error as Error | null)?.message ?? String(error);
  if (CHAIN_ERRORS.has(code)) {
    return pinned
      ? `the server's certificate does not lead to the certificate authority pinned at enrollment (${pinned.ca_subject}); ` +
          `refusing to connect (${code}). If the server's certificate authority was changed on purpose, enroll this machine again.`
      : `the server's certificate is not trusted (${code}); pass --ca-file with the certificate authority that issued it`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server's certificate is not valid for this host name: ${detail}`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `the server's certificate is not valid now (${code})`;
  return null;
}
