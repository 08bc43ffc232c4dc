// A real OpenID Provider for the sign-in tests: panva's oidc-provider
// (OpenID Certified), pinned in package-lock.json beside this file, on a
// loopback port, with one confidential test client, the users given, and a
// login form of its own that checks their passwords.
//
//   const idp = await startProvider({ users, clientSecret });
//   idp.issuer                         // http://127.0.0.1:PORT
//   idp.register(redirectUri)          // the client, once the daemon's port is known
//   idp.route('/evil', handler)        // another site on another origin, for cross-site tests
//   await idp.close()
//
// users: { login: { password, claims: { email, name, groups } } }. The ID
// token carries the claims of the scopes asked for (openid profile email),
// and groups with profile, as Entra ID puts a group claim in the ID token.

import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><main><h1>${title}</h1>${body}</main></body></html>`;
}

function escape(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function formBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

export async function startProvider({ users, clientSecret, clientId = 'arshjul' }) {
  const { default: Provider } = await import(path.join(here, 'node_modules', 'oidc-provider', 'lib', 'index.js'));
  const routes = new Map();
  let provider = null;
  let callback = null;

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      if (routes.has(url.pathname)) return routes.get(url.pathname)(req, res);
      if (!provider) {
        res.writeHead(503).end('no client registered yet');
        return;
      }
      if (url.pathname.startsWith('/interaction/')) return await interaction(req, res);
      return callback(req, res);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err?.stack ?? err));
    }
  });

  // The login form: a user name and password, checked against `users`.
  async function interaction(req, res) {
    const details = await provider.interactionDetails(req, res);
    const show = (error) => {
      res.writeHead(error ? 401 : 200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('Test provider sign-in',
        (error ? `<p role="alert">${escape(error)}</p>` : '') +
        `<form method="post" action="/interaction/${details.uid}">` +
        '<p><label for="login">Username</label><input id="login" name="login" autocomplete="username"></p>' +
        '<p><label for="password">Password</label><input id="password" name="password" type="password"></p>' +
        '<p><button type="submit">Sign in</button></p></form>'));
    };
    if (req.method === 'GET') return show('');
    const form = await formBody(req);
    const user = users[form.get('login')];
    if (!user || user.password !== form.get('password')) return show('Wrong username or password');
    const grant = new provider.Grant({ accountId: form.get('login'), clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId: form.get('login') }, consent: { grantId } },
      { mergeWithLastSubmission: false });
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;

  return {
    issuer,
    register(redirectUri) {
      provider = new Provider(issuer, {
        clients: [{
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        }],
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
        // Scope claims go into the ID token too (Entra ID's way), not only to userinfo.
        conformIdTokenClaims: false,
        features: { devInteractions: { enabled: false } },
        interactions: { url: (ctx, i) => `/interaction/${i.uid}` },
        findAccount: async (ctx, id) => (users[id] ? {
          accountId: id,
          claims: async () => ({ sub: id, ...users[id].claims }),
        } : undefined),
        cookies: { keys: ['arshjul-test-cookie-key'] },
      });
      provider.on('server_error', (ctx, err) => console.log(`note: provider error: ${err?.message}`));
      callback = provider.callback();
    },
    route(pathname, handler) {
      routes.set(pathname, handler);
    },
    close() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
