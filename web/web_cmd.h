/*
 * web_cmd: the two subcommands of the web/ layer, the only header of web/
 * that anything outside it includes (tools/main.c's command table).
 *   carenet web -c CFG      the operators' web interface (serve.c)
 *   carenet user SUB ...    its accounts: add, passwd, list, remove (user_cmd.c)
 * Each returns the process exit status (0, 2 usage, 4 refused, 1 else).
 */
#ifndef CARENET_WEB_CMD_H
#define CARENET_WEB_CMD_H

int cmd_web(int argc, char **argv);
int cmd_user(int argc, char **argv);

#endif
