// Proof-of-work for the sign form (ALTCHA protocol v1; see tautoko/fraud/pow.py).
// The form carries a challenge: find the number n <= maxNumber with
// SHA-256(salt + n) == challenge. Solved in the background as soon as the page loads, in
// slices that leave the page responsive; a press of "Sign" before it is found waits for
// it. Without this file (no JavaScript) the form still works: the signature is accepted,
// only held to stricter rate limits. Hand-written, no dependencies, MIT-style simple.
(function () {
  "use strict";
  var input = document.querySelector("form.sign-form input[name=pow]");
  if (!input || !window.JSON || !window.atob || !window.btoa) return;
  var data;
  try { data = JSON.parse(atob(input.value)); } catch (e) { return; }
  if (!data || typeof data.salt !== "string" || data.number !== undefined) return;

  // SHA-256 of an ASCII string, as lower-case hex (salts and numbers are ASCII).
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];
  var W = new Array(64);
  function sha256hex(text) {
    var length = text.length, words = [], i, j;
    for (i = 0; i < length; i++) words[i >> 2] |= (text.charCodeAt(i) & 0xff) << (24 - (i % 4) * 8);
    words[length >> 2] |= 0x80 << (24 - (length % 4) * 8);
    var total = (((length + 8) >> 6) + 1) * 16;
    for (i = (length >> 2) + 1; i < total; i++) words[i] = words[i] | 0;
    words[total - 1] = length * 8;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a,
        h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (j = 0; j < total; j += 16) {
      var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (i = 0; i < 64; i++) {
        if (i < 16) W[i] = words[j + i] | 0;
        else {
          var w15 = W[i - 15], w2 = W[i - 2];
          W[i] = (((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)) +
                 W[i - 7] + (((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)) +
                 W[i - 16] | 0;
        }
        var t1 = h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
                 ((e & f) ^ (~e & g)) + K[i] + W[i] | 0;
        var t2 = (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
                 ((a & b) ^ (a & c) ^ (b & c)) | 0;
        h = g; g = f; f = e; e = d + t1 | 0; d = c; c = b; b = a; a = t1 + t2 | 0;
      }
      h0 = h0 + a | 0; h1 = h1 + b | 0; h2 = h2 + c | 0; h3 = h3 + d | 0;
      h4 = h4 + e | 0; h5 = h5 + f | 0; h6 = h6 + g | 0; h7 = h7 + h | 0;
    }
    var out = "";
    [h0, h1, h2, h3, h4, h5, h6, h7].forEach(function (v) {
      out += ("00000000" + (v >>> 0).toString(16)).slice(-8);
    });
    return out;
  }

  var form = input.form, solved = false, waiting = false, next = 0;
  var max = Math.max(0, parseInt(data.maxNumber, 10) || 0);

  function finish(number) {
    if (number !== null) {
      input.value = btoa(JSON.stringify({
        algorithm: data.algorithm, challenge: data.challenge, number: number,
        salt: data.salt, signature: data.signature, saltSignature: data.saltSignature
      }));
    }
    solved = true;
    if (waiting) form.submit();
  }

  function slice() {
    var stop = Math.min(max, next + 5000);
    for (; next <= stop; next++) {
      if (sha256hex(data.salt + next) === data.challenge) { finish(next); return; }
    }
    if (next > max) { finish(null); return; }
    window.setTimeout(slice, 0);
  }

  form.addEventListener("submit", function (event) {
    if (solved) return;
    event.preventDefault();
    waiting = true;
    var button = form.querySelector("button[type=submit]");
    if (button) button.setAttribute("aria-busy", "true");
  });
  window.setTimeout(slice, 0);
})();
