"""What the loopback test servers here share: writing a whole response, and TLS."""
import ssl


def reply(handler, status, body, ctype, headers=()):
    """Sends status, headers and the whole body (str or bytes); no body for HEAD."""
    data = body if isinstance(body, bytes) else body.encode()
    handler.send_response(status)
    for k, v in headers:
        handler.send_header(k, v)
    if ctype:
        handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    if handler.command != "HEAD":
        try:
            handler.wfile.write(data)
        except OSError:
            pass


def serve_tls(server, cert, key, client_ca=None):
    """Wraps a listening server's socket in TLS with this certificate chain and key; with
    client_ca, a client certificate signed by it is asked for (optional) and verified."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if client_ca:
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(client_ca)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)


def note(server, **kv):
    """Appends one JSON line to the server's log file (server.log), one writer at a time."""
    import json
    with server.log_lock:
        with open(server.log, "a") as f:
            f.write(json.dumps(kv) + "\n")
