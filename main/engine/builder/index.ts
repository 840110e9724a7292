// The image builder: Dockerfile generation, the build context, and the dockerode build (docs/docker.md).
export * from './dockerfile';
export * from './context';
export * from './build';
