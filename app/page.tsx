import { PosternApp } from '@/components/postern-app';

export default function HomePage() {
  return <PosternApp />;
}
