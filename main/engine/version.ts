export const VERSION_INFO = '0.1.0';
