/** Layer 6 security: tokens and scopes, rate limits, encryption at rest, secrets, Fernet, hardening helpers. */
export * from './fernet.js';
export * from './envelope.js';
export * from './master-key.js';
export * from './names.js';
export * from './scopes.js';
export * from './token-store.js';
export * from './tokens.js';
export * from './rate-limit.js';
export * from './redact.js';
export * from './secrets.js';
export * from './audit.js';
export * from './headers.js';
export * from './access.js';
export * from './envelope-file.js';
