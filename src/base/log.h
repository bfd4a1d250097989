/* log.h - messages to stderr with a level, as PostgreSQL's frontends do:
 * "sheetload: error: message", optional detail and hint lines. Thread-safe
 * (one write per message). The level is process-wide, set once by the CLI. */
#ifndef SL_BASE_LOG_H
#define SL_BASE_LOG_H

enum sl_log_level { SL_LOG_DEBUG, SL_LOG_INFO, SL_LOG_WARNING, SL_LOG_ERROR, SL_LOG_QUIET };

void sl_log_set_level(enum sl_log_level level);
/* JSON lines: every message becomes {"time":…,"level":…,"msg":…}. */
void sl_log_set_json(int on);
int sl_log_is_json(void);
/* In JSON mode: writes obj (a complete JSON object's text, "{...}") with
 * "time" and "level" first; in text mode does nothing. */
void sl_log_obj(enum sl_log_level level, const char *obj);
void sl_log(enum sl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define sl_debug(...)  sl_log(SL_LOG_DEBUG, __VA_ARGS__)
#define sl_info(...)   sl_log(SL_LOG_INFO, __VA_ARGS__)
#define sl_warn(...)   sl_log(SL_LOG_WARNING, __VA_ARGS__)
#define sl_errlog(...) sl_log(SL_LOG_ERROR, __VA_ARGS__)

#endif
