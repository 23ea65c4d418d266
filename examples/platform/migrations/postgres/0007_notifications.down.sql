DROP TABLE platform_webhook_attempts;
DROP TABLE platform_webhook_deliveries;
DROP TABLE platform_webhooks;
DROP TABLE platform_notifications;
DROP TABLE platform_outbox;
