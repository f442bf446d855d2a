declare const __BB_OIDC_VERSION__: string;
