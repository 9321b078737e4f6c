"""Tests of toolkit/mock, the neutral envelope and its adapters: the crash guard, JSON bodies, memo, the ASGI
adapter, the httpx transport and the loopback server."""
