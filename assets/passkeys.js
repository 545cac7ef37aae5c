// Guichet passkeys: the browser side of WebAuthn. The server makes the options (and keeps the
// challenge); these two functions hand them to the authenticator and return its answer as JSON for the
// server to check. On refusal or error they return "" (the page then says the passkey did not work).
(function () {
  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }
  function toB64url(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function descriptors(list) {
    return (list || []).map(function (d) { return Object.assign({}, d, { id: toBytes(d.id) }); });
  }
  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials);
  }
  async function create(optionsJson) {
    if (!supported()) return "";
    try {
      var o = JSON.parse(optionsJson);
      o.challenge = toBytes(o.challenge);
      o.user = Object.assign({}, o.user, { id: toBytes(o.user.id) });
      o.excludeCredentials = descriptors(o.excludeCredentials);
      var c = await navigator.credentials.create({ publicKey: o });
      return JSON.stringify({
        id: c.id, rawId: toB64url(c.rawId), type: c.type,
        response: {
          clientDataJSON: toB64url(c.response.clientDataJSON),
          attestationObject: toB64url(c.response.attestationObject),
          transports: c.response.getTransports ? c.response.getTransports() : [],
        },
        authenticatorAttachment: c.authenticatorAttachment || null,
        clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      });
    } catch (e) {
      console.warn("passkey create", e && e.name);
      return "";
    }
  }
  async function get(optionsJson) {
    if (!supported()) return "";
    try {
      var o = JSON.parse(optionsJson);
      o.challenge = toBytes(o.challenge);
      o.allowCredentials = descriptors(o.allowCredentials);
      var c = await navigator.credentials.get({ publicKey: o });
      return JSON.stringify({
        id: c.id, rawId: toB64url(c.rawId), type: c.type,
        response: {
          clientDataJSON: toB64url(c.response.clientDataJSON),
          authenticatorData: toB64url(c.response.authenticatorData),
          signature: toB64url(c.response.signature),
          userHandle: toB64url(c.response.userHandle),
        },
        authenticatorAttachment: c.authenticatorAttachment || null,
        clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      });
    } catch (e) {
      console.warn("passkey get", e && e.name);
      return "";
    }
  }
  window.guichetPasskey = { create: create, get: get, supported: supported };
})();
