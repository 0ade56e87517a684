"""The demo, the console chat, the WeChat simulator and the fake WeChat and WeCom APIs:
for people trying gridbot and for tests, never imported by the running service."""
