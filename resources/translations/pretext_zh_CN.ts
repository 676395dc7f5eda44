<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AttentionPanel</name>
    <message>
        <source>How many test images</source>
        <translation>显示多少张测试图像</translation>
    </message>
    <message>
        <source>test image numbers, e.g. 0, 17, 42</source>
        <translation>测试图像编号，例如 0, 17, 42</translation>
    </message>
    <message>
        <source>The test images shown, by their number in the test split. Type others and press Enter.</source>
        <translation>所显示的测试图像（按其在测试集中的编号）。输入其他编号后按回车。</translation>
    </message>
    <message>
        <source>Other images</source>
        <translation>换一批图像</translation>
    </message>
    <message>
        <source>Another sample of test images, one of each class in turn</source>
        <translation>另取一批测试图像，依次每类一张</translation>
    </message>
    <message>
        <source>Compare with…</source>
        <translation>与…比较</translation>
    </message>
    <message>
        <source>Show a second run folder&apos;s attention on the same images, side by side</source>
        <translation>并排显示另一个运行文件夹在同一批图像上的注意力</translation>
    </message>
    <message>
        <source>Close comparison</source>
        <translation>关闭比较</translation>
    </message>
    <message>
        <source>Save PNG…</source>
        <translation>保存 PNG…</translation>
    </message>
    <message>
        <source>Save what is shown as a PNG image</source>
        <translation>将当前显示的内容保存为 PNG 图像</translation>
    </message>
    <message>
        <source>Computing attention maps</source>
        <translation>正在计算注意力图</translation>
    </message>
    <message>
        <source>Images:</source>
        <translation>图像：</translation>
    </message>
    <message>
        <source>Stages:</source>
        <translation>阶段：</translation>
    </message>
    <message>
        <source>Bright means strong: the attention of a stage is the mean over its channels of the squared activations, scaled to each image&apos;s own range (ViT: how much the [CLS] token looks at each patch). Early stages light up on edges everywhere; deeper ones on the parts that tell the object apart.</source>
        <translation>越亮表示越强：某一阶段的注意力是其各通道激活值平方的均值，并按每张图像自身的范围缩放（ViT：[CLS] 标记对每个图像块的关注程度）。浅层阶段在各处的边缘上发亮；深层阶段则在能区分物体的部位上发亮。</translation>
    </message>
    <message>
        <source>No run to show yet.

Train a method in the Training panel, or open a run folder: its attention maps appear here.</source>
        <translation>还没有可显示的运行。

在“训练”面板中训练一种方法，或打开一个运行文件夹：其注意力图会显示在这里。</translation>
    </message>
    <message>
        <source>%1 is not a run folder: it has no config.json.</source>
        <translation>%1 不是运行文件夹：其中没有 config.json。</translation>
    </message>
    <message>
        <source>%1 has no checkpoint yet.

Attention maps need trained weights: they appear after its first epoch.</source>
        <translation>%1 还没有检查点。

注意力图需要训练过的权重：第一个轮次结束后才会出现。</translation>
    </message>
    <message>
        <source>Computing the attention maps of %1…</source>
        <translation>正在计算 %1 的注意力图…</translation>
    </message>
    <message>
        <source>Waiting for the first run…</source>
        <translation>等待第一次运行…</translation>
    </message>
    <message>
        <source>Compare with another…</source>
        <translation>与另一个比较…</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>the ViT&apos;s [CLS] token: its attention in the last block</source>
        <translation>ViT 的 [CLS] 标记：其在最后一个模块中的注意力</translation>
    </message>
    <message>
        <source>Show the attention of %1</source>
        <translation>显示 %1 的注意力</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a test image number: type whole numbers from 0, separated by commas.</source>
        <translation>“%1”不是测试图像编号：请输入从 0 开始的整数，用逗号分隔。</translation>
    </message>
    <message>
        <source>At most %1 images at once: the first %1 are shown.</source>
        <translation>一次最多 %1 张图像：只显示前 %1 张。</translation>
    </message>
    <message>
        <source>Tick at least one stage.</source>
        <translation>请至少勾选一个阶段。</translation>
    </message>
    <message>
        <source>Attention maps</source>
        <translation>注意力图</translation>
    </message>
    <message>
        <source>There are no attention maps to save yet.</source>
        <translation>还没有可保存的注意力图。</translation>
    </message>
    <message>
        <source>Could not write %1.</source>
        <translation>无法写入 %1。</translation>
    </message>
    <message>
        <source>Save the attention maps</source>
        <translation>保存注意力图</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Compare with the run folder</source>
        <translation>与该运行文件夹比较</translation>
    </message>
    <message>
        <source>Open image…</source>
        <translation>打开图像…</translation>
    </message>
    <message>
        <source>Show the attention on an image of your own, in the first row: it is converted to the dataset&apos;s channels and size as the dataset&apos;s images were made. You can also drop an image file on the panel or paste an image with Ctrl+V.</source>
        <translation>在第一行显示你自己图像上的注意力：它会按数据集图像的制作方式转换为数据集的通道数和尺寸。也可以把图像文件拖放到面板上，或用 Ctrl+V 粘贴图像。</translation>
    </message>
    <message>
        <source>Remove your image</source>
        <translation>移除你的图像</translation>
    </message>
    <message>
        <source>That is not an image Pretext can read.</source>
        <translation>这不是 Pretext 能读取的图像。</translation>
    </message>
    <message>
        <source>Open an image</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)</translation>
    </message>
    <message>
        <source>pasted image</source>
        <translation>粘贴的图像</translation>
    </message>
    <message>
        <source>The clipboard holds no image.</source>
        <translation>剪贴板中没有图像。</translation>
    </message>
    <message>
        <source>dropped image</source>
        <translation>拖放的图像</translation>
    </message>
    <message>
        <source>your image</source>
        <translation>你的图像</translation>
    </message>
</context>
<context>
    <name>AugmentPanel</name>
    <message>
        <source>Random crop</source>
        <translation>随机裁剪</translation>
    </message>
    <message>
        <source>Crops a random box and resizes it back: views share parts of the object, so the network must match a part to the whole. Strength: how small the box may get.</source>
        <translation>裁剪一个随机区域并缩放回原尺寸：不同视图共享物体的一部分，因此网络必须把局部与整体对应起来。强度：裁剪框最小可以多小。</translation>
    </message>
    <message>
        <source>Horizontal flip</source>
        <translation>水平翻转</translation>
    </message>
    <message>
        <source>Mirrors the image left-right.</source>
        <translation>将图像左右镜像。</translation>
    </message>
    <message>
        <source>Colour jitter</source>
        <translation>颜色抖动</translation>
    </message>
    <message>
        <source>Changes brightness, contrast, saturation and hue, so colour statistics alone cannot tell two images apart. Strength: how much.</source>
        <translation>改变亮度、对比度、饱和度和色调，使仅凭颜色统计无法区分两张图像。强度：改变的幅度。</translation>
    </message>
    <message>
        <source>Colour drop</source>
        <translation>颜色丢弃</translation>
    </message>
    <message>
        <source>Turns the image gray (colour images only).</source>
        <translation>将图像变为灰度（仅限彩色图像）。</translation>
    </message>
    <message>
        <source>Rotation</source>
        <translation>旋转</translation>
    </message>
    <message>
        <source>Rotates by 90, 180 or 270 degrees.</source>
        <translation>旋转 90、180 或 270 度。</translation>
    </message>
    <message>
        <source>Gaussian blur</source>
        <translation>高斯模糊</translation>
    </message>
    <message>
        <source>Blurs with a random sigma. Strength: the largest sigma.</source>
        <translation>以随机的 sigma 进行模糊。强度：最大的 sigma。</translation>
    </message>
    <message>
        <source>Cutout</source>
        <translation>随机遮挡</translation>
    </message>
    <message>
        <source>Erases a square to gray. Strength: the square&apos;s side.</source>
        <translation>把一个正方形区域抹成灰色。强度：正方形的边长。</translation>
    </message>
    <message>
        <source>Gaussian noise</source>
        <translation>高斯噪声</translation>
    </message>
    <message>
        <source>Adds pixel noise. Strength: its standard deviation.</source>
        <translation>添加像素噪声。强度：噪声的标准差。</translation>
    </message>
    <message>
        <source>Sobel filter</source>
        <translation>Sobel 滤波</translation>
    </message>
    <message>
        <source>Replaces the image by its edge magnitude.</source>
        <translation>用边缘强度替换图像。</translation>
    </message>
    <message>
        <source>Method&apos;s default</source>
        <translation>方法默认</translation>
    </message>
    <message>
        <source>SimCLR recipe</source>
        <translation>SimCLR 配方</translation>
    </message>
    <message>
        <source>Light (crop and flip)</source>
        <translation>轻度（裁剪和翻转）</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>What the next training run uses. Moving any control makes it Custom.</source>
        <translation>下一次训练使用的数据增强。调整任何控件都会变为“自定义”。</translation>
    </message>
    <message>
        <source>New draw</source>
        <translation>重新抽样</translation>
    </message>
    <message>
        <source>Draw new random parameters for the same images</source>
        <translation>为同一批图像重新抽取随机参数</translation>
    </message>
    <message>
        <source>Other images</source>
        <translation>换一批图像</translation>
    </message>
    <message>
        <source>Show other training images</source>
        <translation>显示其他训练图像</translation>
    </message>
    <message>
        <source>Augmentation for training:</source>
        <translation>训练用的数据增强：</translation>
    </message>
    <message>
        <source>Applied in this order</source>
        <translation>按此顺序应用</translation>
    </message>
    <message>
        <source>&lt;b&gt;On&lt;/b&gt;</source>
        <translation>&lt;b&gt;启用&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Probability&lt;/b&gt;</source>
        <translation>&lt;b&gt;概率&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Strength&lt;/b&gt;</source>
        <translation>&lt;b&gt;强度&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Share of the images this augmentation is applied to</source>
        <translation>应用此增强的图像比例</translation>
    </message>
    <message>
        <source>%1 has no strength</source>
        <translation>%1 没有强度参数</translation>
    </message>
    <message>
        <source>Load a dataset to see its images</source>
        <translation>加载数据集以查看其图像</translation>
    </message>
    <message>
        <source>Training images</source>
        <translation>训练图像</translation>
    </message>
    <message>
        <source>View 1</source>
        <translation>视图 1</translation>
    </message>
    <message>
        <source>View 2: the same images, augmented again. A contrastive method must tell that they match.</source>
        <translation>视图 2：同一批图像再次增强。对比学习方法必须认出它们相互匹配。</translation>
    </message>
    <message>
        <source>Gray images: saturation, hue and colour drop have nothing to change.</source>
        <translation>灰度图像：饱和度、色调和颜色丢弃不会产生变化。</translation>
    </message>
    <message>
        <source>Preview failed: %1</source>
        <translation>预览失败：%1</translation>
    </message>
</context>
<context>
    <name>ClassNames</name>
    <message>
        <source>T-shirt/top</source>
        <translation>T恤/上衣</translation>
    </message>
    <message>
        <source>Trouser</source>
        <translation>裤子</translation>
    </message>
    <message>
        <source>Pullover</source>
        <translation>套头衫</translation>
    </message>
    <message>
        <source>Dress</source>
        <translation>连衣裙</translation>
    </message>
    <message>
        <source>Coat</source>
        <translation>外套</translation>
    </message>
    <message>
        <source>Sandal</source>
        <translation>凉鞋</translation>
    </message>
    <message>
        <source>Shirt</source>
        <translation>衬衫</translation>
    </message>
    <message>
        <source>Sneaker</source>
        <translation>运动鞋</translation>
    </message>
    <message>
        <source>Bag</source>
        <translation>包</translation>
    </message>
    <message>
        <source>Ankle boot</source>
        <translation>短靴</translation>
    </message>
    <message>
        <source>circle</source>
        <translation>圆</translation>
    </message>
    <message>
        <source>square</source>
        <translation>正方形</translation>
    </message>
    <message>
        <source>triangle</source>
        <translation>三角形</translation>
    </message>
    <message>
        <source>cross</source>
        <translation>十字</translation>
    </message>
    <message>
        <source>ring</source>
        <translation>圆环</translation>
    </message>
    <message>
        <source>diamond</source>
        <translation>菱形</translation>
    </message>
    <message>
        <source>bar</source>
        <translation>长条</translation>
    </message>
    <message>
        <source>L-shape</source>
        <translation>L 形</translation>
    </message>
    <message>
        <source>airplane</source>
        <translation>飞机</translation>
    </message>
    <message>
        <source>automobile</source>
        <translation>汽车</translation>
    </message>
    <message>
        <source>bird</source>
        <translation>鸟</translation>
    </message>
    <message>
        <source>cat</source>
        <translation>猫</translation>
    </message>
    <message>
        <source>deer</source>
        <translation>鹿</translation>
    </message>
    <message>
        <source>dog</source>
        <translation>狗</translation>
    </message>
    <message>
        <source>frog</source>
        <translation>青蛙</translation>
    </message>
    <message>
        <source>horse</source>
        <translation>马</translation>
    </message>
    <message>
        <source>ship</source>
        <translation>船</translation>
    </message>
    <message>
        <source>truck</source>
        <translation>卡车</translation>
    </message>
    <message>
        <source>car</source>
        <translation>汽车</translation>
    </message>
    <message>
        <source>monkey</source>
        <translation>猴子</translation>
    </message>
</context>
<context>
    <name>CoreMessages</name>
    <message>
        <source>%1 is not a run folder (no config.json)</source>
        <translation>%1 不是运行文件夹（没有 config.json）</translation>
    </message>
    <message>
        <source>%1 has no checkpoint yet (checkpoints/last.pt)</source>
        <translation>%1 还没有检查点（checkpoints/last.pt）</translation>
    </message>
    <message>
        <source>checkpoint %1 not found</source>
        <translation>找不到检查点 %1</translation>
    </message>
    <message>
        <source>no dataset given</source>
        <translation>未指定数据集</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is neither a dataset kind (%2) nor an existing file or folder</source>
        <translation>“%1”既不是数据集类型（%2），也不是已存在的文件或文件夹</translation>
    </message>
    <message>
        <source>unknown dataset kind &apos;%1&apos;</source>
        <translation>未知的数据集类型“%1”</translation>
    </message>
    <message>
        <source>%1 has no %2 split</source>
        <translation>%1 没有 %2 划分</translation>
    </message>
    <message>
        <source>no images found</source>
        <translation>未找到图像</translation>
    </message>
    <message>
        <source>cannot open %1</source>
        <translation>无法打开 %1</translation>
    </message>
    <message>
        <source>cannot read %1</source>
        <translation>无法读取 %1</translation>
    </message>
    <message>
        <source>the training split has fewer than 2 images</source>
        <translation>训练集少于 2 张图像</translation>
    </message>
    <message>
        <source>%1 needs labels, and the training split has unlabelled images</source>
        <translation>%1 需要标签，而训练集中有无标签图像</translation>
    </message>
    <message>
        <source>batch size %1 is larger than the %2 training images: using %3</source>
        <translation>批大小 %1 大于训练图像数 %2：改用 %3</translation>
    </message>
    <message>
        <source>out of memory at batch size %1: try batch size %2 (the last checkpoint on disk is kept)</source>
        <translation>批大小为 %1 时内存不足：请尝试批大小 %2（磁盘上的最后一个检查点已保留）</translation>
    </message>
    <message>
        <source>out of GPU memory at batch size %1: try batch size %2 (the last checkpoint on disk is kept)</source>
        <translation>批大小为 %1 时 GPU 显存不足：请尝试批大小 %2（磁盘上的最后一个检查点已保留）</translation>
    </message>
    <message>
        <source>the loss became %1 at epoch %2, step %3: training stopped. Try a lower learning rate (now %4); the last good checkpoint (end of epoch %5) is kept</source>
        <translation>损失在第 %2 轮第 %3 步变为 %1：训练已停止。请尝试更低的学习率（当前 %4）；最后一个正常的检查点（第 %5 轮结束）已保留</translation>
    </message>
    <message>
        <source>the loss became %1 at epoch %2, step %3: training stopped. Try a lower learning rate (now %4); no checkpoint was written</source>
        <translation>损失在第 %2 轮第 %3 步变为 %1：训练已停止。请尝试更低的学习率（当前 %4）；尚未写入检查点</translation>
    </message>
    <message>
        <source>random init: evaluated without training</source>
        <translation>随机初始化：未经训练直接评估</translation>
    </message>
    <message>
        <source>has no runs</source>
        <translation>没有任何运行</translation>
    </message>
    <message>
        <source>missing: an experiment needs a title</source>
        <translation>缺失：实验需要标题</translation>
    </message>
    <message>
        <source>unknown key &apos;%1&apos; in a run</source>
        <translation>运行中有未知的键“%1”</translation>
    </message>
    <message>
        <source>unknown key (known: %1)</source>
        <translation>未知的键（可用：%1）</translation>
    </message>
    <message>
        <source>expected a whole number, not %1</source>
        <translation>应为整数，而不是 %1</translation>
    </message>
    <message>
        <source>expected text, not %1</source>
        <translation>应为文本，而不是 %1</translation>
    </message>
    <message>
        <source>cannot be read (%1)</source>
        <translation>无法读取（%1）</translation>
    </message>
    <message>
        <source>cannot be written (%1)</source>
        <translation>无法写入（%1）</translation>
    </message>
    <message>
        <source>unknown method &apos;%1&apos;%2</source>
        <translation>未知的方法“%1”%2</translation>
    </message>
    <message>
        <source>unknown chart &apos;%1&apos; (known: %2)</source>
        <translation>未知的图表“%1”（可用：%2）</translation>
    </message>
    <message>
        <source>%1 at offset %2</source>
        <translation>%1（位于偏移 %2）</translation>
    </message>
    <message>
        <source>cannot read %1: file shrank while reading</source>
        <translation>无法读取 %1：读取过程中文件变小了</translation>
    </message>
    <message>
        <source>%1 must be from %2 to below %3, not %4</source>
        <translation>%1 必须在 %2 到 %3（不含）之间，而不是 %4</translation>
    </message>
    <message>
        <source>%1 must be from %2 to %3, not %4</source>
        <translation>%1 必须在 %2 到 %3 之间，而不是 %4</translation>
    </message>
    <message>
        <source>%1 must be greater than %2 to %3, not %4</source>
        <translation>%1 必须大于 %2 且不超过 %3，而不是 %4</translation>
    </message>
    <message>
        <source>backbone width (--width)</source>
        <translation>骨干网络宽度（--width）</translation>
    </message>
    <message>
        <source>epochs (--epochs)</source>
        <translation>轮数（--epochs）</translation>
    </message>
    <message>
        <source>batch size (--batch-size)</source>
        <translation>批大小（--batch-size）</translation>
    </message>
    <message>
        <source>subset (--subset, 0: all images)</source>
        <translation>子集（--subset，0：全部图像）</translation>
    </message>
    <message>
        <source>learning rate (--lr, 0: the optimizer&apos;s default)</source>
        <translation>学习率（--lr，0：优化器的默认值）</translation>
    </message>
    <message>
        <source>weight decay (--weight-decay, &lt;0: the optimizer&apos;s default)</source>
        <translation>权重衰减（--weight-decay，&lt;0：优化器的默认值）</translation>
    </message>
    <message>
        <source>momentum (--momentum)</source>
        <translation>动量（--momentum）</translation>
    </message>
    <message>
        <source>warm-up epochs (--warmup-epochs)</source>
        <translation>预热轮数（--warmup-epochs）</translation>
    </message>
    <message>
        <source>threads (--threads, 0: all cores)</source>
        <translation>线程数（--threads，0：全部核心）</translation>
    </message>
    <message>
        <source>k-NN k (--knn-k)</source>
        <translation>k-NN 的 k（--knn-k）</translation>
    </message>
    <message>
        <source>k-NN temperature (knn_temperature)</source>
        <translation>k-NN 温度（knn_temperature）</translation>
    </message>
    <message>
        <source>k-NN test limit (--knn-test-limit, 0: all)</source>
        <translation>k-NN 测试图像上限（--knn-test-limit，0：全部）</translation>
    </message>
    <message>
        <source>read-back interval (readback_every, 0: automatic)</source>
        <translation>回读间隔（readback_every，0：自动）</translation>
    </message>
    <message>
        <source>checkpoint interval (checkpoint_every_epochs)</source>
        <translation>检查点间隔（checkpoint_every_epochs）</translation>
    </message>
    <message>
        <source>synchronized BatchNorm (sync_batchnorm: -1 the method&apos;s default, 0 off, 1 on)</source>
        <translation>同步 BatchNorm（sync_batchnorm：-1 方法的默认值，0 关，1 开）</translation>
    </message>
    <message>
        <source>augmentation %1 probability</source>
        <translation>数据增强 %1 的概率</translation>
    </message>
    <message>
        <source>augmentation %1 strength</source>
        <translation>数据增强 %1 的强度</translation>
    </message>
    <message>
        <source>first-layer kernel (--first-kernel) must be 0 (the default, 5) or odd from 3 to %1, not %2</source>
        <translation>第一层卷积核（--first-kernel）必须为 0（默认值，即 5）或 3 到 %1 之间的奇数，而不是 %2</translation>
    </message>
    <message>
        <source>batch size %1 does not divide among %2 processes: the batch size is the global one</source>
        <translation>批大小 %1 不能平均分给 %2 个进程：批大小指的是全局批大小</translation>
    </message>
    <message>
        <source>%1: --%2 must be a whole number in %3, got %4</source>
        <translation>%1：--%2 必须是 %3 范围内的整数，实际为 %4</translation>
    </message>
    <message>
        <source>%1: --%2 must be in %3, got %4</source>
        <translation>%1：--%2 必须在 %3 范围内，实际为 %4</translation>
    </message>
    <message>
        <source>%1 has no option --%2 (it has no options)</source>
        <translation>%1 没有选项 --%2（它没有任何选项）</translation>
    </message>
    <message>
        <source>%1 has no option --%2 (its options: %3)</source>
        <translation>%1 没有选项 --%2（它的选项：%3）</translation>
    </message>
    <message>
        <source>truncated IDX file (%1 bytes)</source>
        <translation>IDX 文件不完整（%1 字节）</translation>
    </message>
    <message>
        <source>bad IDX magic number %1 (expected %2), not an image file</source>
        <translation>IDX 魔数 %1 错误（应为 %2），不是图像文件</translation>
    </message>
    <message>
        <source>bad IDX magic number %1 (expected %2), not a label file</source>
        <translation>IDX 魔数 %1 错误（应为 %2），不是标签文件</translation>
    </message>
    <message>
        <source>truncated IDX header</source>
        <translation>IDX 文件头不完整</translation>
    </message>
    <message>
        <source>implausible IDX dimension %1</source>
        <translation>IDX 维度 %1 不合理</translation>
    </message>
    <message>
        <source>implausible IDX size</source>
        <translation>IDX 大小不合理</translation>
    </message>
    <message>
        <source>truncated: the header promises %1 bytes of data, the file holds %2</source>
        <translation>文件不完整：文件头声明有 %1 字节数据，文件中只有 %2 字节</translation>
    </message>
    <message>
        <source>truncated: the header promises %1 bytes of data, more than its %2 bytes of gzip data can hold</source>
        <translation>文件不完整：文件头声明有 %1 字节数据，超过其 %2 字节 gzip 数据所能容纳的量</translation>
    </message>
    <message>
        <source>%1 unexpected bytes after the %2 bytes of data its header promises</source>
        <translation>在文件头声明的 %2 字节数据之后多出 %1 字节</translation>
    </message>
    <message>
        <source>more than %1 unexpected bytes after the %2 bytes of data its header promises</source>
        <translation>在文件头声明的 %2 字节数据之后多出超过 %1 字节</translation>
    </message>
    <message>
        <source>no %1</source>
        <translation>缺少 %1</translation>
    </message>
    <message>
        <source>no IDX image files (%1)</source>
        <translation>没有 IDX 图像文件（%1）</translation>
    </message>
    <message>
        <source>%1 labels for %2 images in %3</source>
        <translation>%1 个标签对应 %3 中的 %2 张图像</translation>
    </message>
    <message>
        <source>%1 labels for %2 images</source>
        <translation>%1 个标签对应 %2 张图像</translation>
    </message>
    <message>
        <source>label %1 in the %2 labels, but %3 has %4 classes</source>
        <translation>%2 标签中有标签 %1，但 %3 只有 %4 个类别</translation>
    </message>
    <message>
        <source>folder %1 not found (install the dataset-fashion-mnist package or give a folder)</source>
        <translation>找不到文件夹 %1（请安装 dataset-fashion-mnist 软件包，或指定一个文件夹）</translation>
    </message>
    <message>
        <source>folder %1 not found</source>
        <translation>找不到文件夹 %1</translation>
    </message>
    <message>
        <source>empty file</source>
        <translation>空文件</translation>
    </message>
    <message>
        <source>%1 bytes is not a whole number of %2-byte %3 records (truncated or not a CIFAR batch)</source>
        <translation>%1 字节不是 %2 字节 %3 记录的整数倍（文件不完整，或不是 CIFAR 批文件）</translation>
    </message>
    <message>
        <source>record %1 has label %2, outside 0..%3</source>
        <translation>记录 %1 的标签为 %2，超出 0..%3</translation>
    </message>
    <message>
        <source>%1 bytes is not a whole number of 96x96x3 STL-10 images (truncated or not an STL-10 file)</source>
        <translation>%1 字节不是 96x96x3 STL-10 图像的整数倍（文件不完整，或不是 STL-10 文件）</translation>
    </message>
    <message>
        <source>label %1 at position %2 is outside 1..10</source>
        <translation>位置 %2 的标签 %1 超出 1..10</translation>
    </message>
    <message>
        <source>corrupt gzip data (%1)</source>
        <translation>gzip 数据已损坏（%1）</translation>
    </message>
    <message>
        <source>images must be uint8 [N, C, H, W]</source>
        <translation>图像必须是 uint8 [N, C, H, W]</translation>
    </message>
    <message>
        <source>the split is empty</source>
        <translation>该划分为空</translation>
    </message>
    <message>
        <source>image shape differs between splits</source>
        <translation>各划分的图像形状不一致</translation>
    </message>
    <message>
        <source>label %1 outside 0..%2</source>
        <translation>标签 %1 超出 0..%2</translation>
    </message>
    <message>
        <source>too short for a .npy file</source>
        <translation>太短，不是有效的 .npy 文件</translation>
    </message>
    <message>
        <source>rank %1: %2 failed: %3%4</source>
        <translation>进程 %1：%2 失败：%3%4</translation>
    </message>
    <message>
        <source>rank %1: %2 failed (a peer died or did not answer within %3 s)%4</source>
        <translation>进程 %1：%2 失败（有进程已退出，或在 %3 秒内没有响应）%4</translation>
    </message>
    <message>
        <source>rank %1 stopped answering (no heartbeat for %2 s: it died or hangs)</source>
        <translation>进程 %1 停止响应（%2 秒内没有心跳：它已退出或卡住）</translation>
    </message>
    <message>
        <source>rank 0 stopped answering (the rendezvous store it serves at %1 does not answer: it died or hangs)</source>
        <translation>进程 0 停止响应（它在 %1 提供的会合存储没有响应：它已退出或卡住）</translation>
    </message>
    <message>
        <source>rank %1 of %2: the rendezvous at %3 did not complete within %4 s%5</source>
        <translation>进程 %1/%2：在 %3 的会合未能在 %4 秒内完成%5</translation>
    </message>
    <message>
        <source>%1: stopping the others</source>
        <translation>%1：正在停止其他进程</translation>
    </message>
    <message>
        <source>rank %1 exited with status %2</source>
        <translation>进程 %1 退出，状态码 %2</translation>
    </message>
    <message>
        <source>rank %1 was killed by signal %2 (%3)</source>
        <translation>进程 %1 被信号 %2（%3）终止</translation>
    </message>
    <message>
        <source>rank %1 did not stop: killed</source>
        <translation>进程 %1 没有停止：已强制结束</translation>
    </message>
    <message>
        <source>rank %1 is not below the world size %2</source>
        <translation>进程编号 %1 不小于进程总数 %2</translation>
    </message>
    <message>
        <source>environment variable %1 is not set (%2)</source>
        <translation>环境变量 %1 未设置（%2）</translation>
    </message>
    <message>
        <source>MASTER_PORT %1 is not a port</source>
        <translation>MASTER_PORT %1 不是有效端口</translation>
    </message>
    <message>
        <source>%1: this build of Pretext has no Gloo (its headers were not found when it was configured: install libgloo-dev, or use a LibTorch that ships them, and configure again), so it trains in one process only</source>
        <translation>%1：此版本的 Pretext 没有 Gloo（配置时未找到其头文件：请安装 libgloo-dev，或使用自带这些头文件的 LibTorch，然后重新配置），因此只能在单个进程中训练</translation>
    </message>
    <message>
        <source>resuming a checkpoint written by %1 process(es) with %2 process(es): the global batch stays %3 (%4 per process), the epoch&apos;s order, step and learning rate continue, and the method&apos;s state (queues, memory banks, centres) is the saved one; only the augmentation draws differ from an uninterrupted run</source>
        <translation>从 %1 个进程写入的检查点以 %2 个进程继续：全局批大小保持 %3（每个进程 %4），本轮的顺序、步数和学习率照常继续，方法的状态（队列、记忆库、中心）沿用保存的；只有数据增强的随机抽样与不中断的训练不同</translation>
    </message>
    <message>
        <source>metrics.csv: %1 rows after step %2 dropped (written after the checkpoint this run resumes from)</source>
        <translation>metrics.csv：第 %2 步之后的 %1 行已删除（它们写于本次继续所用的检查点之后）</translation>
    </message>
    <message>
        <source>CPU bf16 autocast chosen (--cpu-bf16 auto): this CPU computes bf16 natively and the paired test in bench/README.md found this method as accurate that way, about 2x faster; --cpu-bf16 off trains in fp32</source>
        <translation>已选用 CPU bf16 自动混合精度（--cpu-bf16 auto）：本机 CPU 原生支持 bf16，bench/README.md 中的配对测试表明此方法这样训练精度相同、快约 2 倍；--cpu-bf16 off 则以 fp32 训练</translation>
    </message>
    <message>
        <source>this method trains on labels</source>
        <translation>此方法使用标签训练</translation>
    </message>
    <message>
        <source>%1 has no unlabelled split (no unlabeled_X.bin in %2)</source>
        <translation>%1 没有无标签划分（%2 中没有 unlabeled_X.bin）</translation>
    </message>
    <message>
        <source>%1 has no unlabelled split</source>
        <translation>%1 没有无标签划分</translation>
    </message>
    <message>
        <source>%1 has no labelled train split</source>
        <translation>%1 没有有标签的训练划分</translation>
    </message>
</context>
<context>
    <name>DatasetLoader</name>
    <message>
        <source>not enough memory to load this dataset</source>
        <translation>内存不足，无法加载此数据集</translation>
    </message>
    <message>
        <source>unknown error while loading</source>
        <translation>加载时发生未知错误</translation>
    </message>
</context>
<context>
    <name>DatasetPanel</name>
    <message>
        <source>Image folder</source>
        <translation>图像文件夹</translation>
    </message>
    <message>
        <source>Synthetic shapes</source>
        <translation>合成形状</translation>
    </message>
    <message>
        <source>Datasets found on this computer</source>
        <translation>在本机上找到的数据集</translation>
    </message>
    <message>
        <source>Choose a dataset</source>
        <translation>选择数据集</translation>
    </message>
    <message>
        <source>Open dataset folder…</source>
        <translation>打开数据集文件夹…</translation>
    </message>
    <message>
        <source>Open a dataset folder: IDX, CIFAR or STL-10 binaries, or class sub-folders of images</source>
        <translation>打开数据集文件夹：IDX、CIFAR 或 STL-10 二进制文件，或按类别分子文件夹的图像</translation>
    </message>
    <message>
        <source>Open dataset file…</source>
        <translation>打开数据集文件…</translation>
    </message>
    <message>
        <source>Open one file of a dataset (e.g. train-images-idx3-ubyte.gz); its folder is read</source>
        <translation>打开数据集中的一个文件（例如 train-images-idx3-ubyte.gz）；将读取其所在文件夹</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Number of sample images in the grid</source>
        <translation>网格中的样本图像数量</translation>
    </message>
    <message>
        <source>Tile size (Ctrl+wheel over the grid)</source>
        <translation>图块大小（在网格上 Ctrl+滚轮）</translation>
    </message>
    <message>
        <source>&amp;Dataset:</source>
        <translation>数据集(&amp;D)：</translation>
    </message>
    <message>
        <source>S&amp;plit:</source>
        <translation>划分(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Show:</source>
        <translation>显示(&amp;S)：</translation>
    </message>
    <message>
        <source>&amp;Zoom:</source>
        <translation>缩放(&amp;Z)：</translation>
    </message>
    <message>
        <source>Hide this message</source>
        <translation>隐藏此消息</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>样本</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>Class histogram</source>
        <translation>类别直方图</translation>
    </message>
    <message>
        <source> (not installed)</source>
        <translation>（未安装）</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <source>Could not open “%1”: %2</source>
        <translation>无法打开“%1”：%2</translation>
    </message>
    <message>
        <source>Open dataset folder</source>
        <translation>打开数据集文件夹</translation>
    </message>
    <message>
        <source>Open dataset file</source>
        <translation>打开数据集文件</translation>
    </message>
    <message>
        <source>Loaded %1: %2 images in %3 s</source>
        <translation>已加载 %1：%2 张图像，用时 %3 秒</translation>
    </message>
    <message>
        <source>Could not load %1: %2</source>
        <translation>无法加载 %1：%2</translation>
    </message>
    <message>
        <source>Still showing %1.</source>
        <translation>仍在显示 %1。</translation>
    </message>
    <message>
        <source>Pick another dataset above.</source>
        <translation>请在上方选择其他数据集。</translation>
    </message>
    <message>
        <source>No dataset loaded.</source>
        <translation>未加载数据集。</translation>
    </message>
    <message>
        <source>Could not load %1</source>
        <translation>无法加载 %1</translation>
    </message>
    <message>
        <source>image %1 (no label)</source>
        <translation>图像 %1（无标签）</translation>
    </message>
    <message>
        <source>image %1: %2</source>
        <translation>图像 %1：%2</translation>
    </message>
    <message>
        <source>The %1 split has no class labels.</source>
        <translation>%1划分没有类别标签。</translation>
    </message>
    <message>
        <source>%1 split: %2 images</source>
        <translation>%1划分：%2 张图像</translation>
    </message>
    <message>
        <source>Could not show %1: %2</source>
        <translation>无法显示 %1：%2</translation>
    </message>
    <message>
        <source>gray</source>
        <translation>灰度</translation>
    </message>
    <message>
        <source>RGB</source>
        <translation>RGB</translation>
    </message>
    <message>
        <source>%1 channels</source>
        <translation>%1 个通道</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Image shape</source>
        <translation>图像形状</translation>
    </message>
    <message>
        <source>%1 × %2 × %3 (%4)</source>
        <translation>%1 × %2 × %3（%4）</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>Loaded in</source>
        <translation>加载用时</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>Splits</source>
        <translation>数据划分</translation>
    </message>
    <message>
        <source>Prepared dataset</source>
        <translation>预处理数据集</translation>
    </message>
    <message>
        <source>Dataset files (*-ubyte *-ubyte.gz *.bin *.png *.jpg *.jpeg manifest.json);;All files (*)</source>
        <translation>数据集文件 (*-ubyte *-ubyte.gz *.bin *.png *.jpg *.jpeg manifest.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Prepare a folder…</source>
        <translation>准备图像文件夹…</translation>
    </message>
    <message>
        <source>Pack a folder of images once into a prepared dataset (memory-mapped arrays), decoding on every core; unreadable files are skipped and listed</source>
        <translation>将图像文件夹一次性打包为预处理数据集（内存映射数组），在所有 CPU 核心上解码；无法读取的文件会被跳过并列出</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop preparing; the partly written dataset is removed</source>
        <translation>停止准备；已部分写入的数据集将被删除</translation>
    </message>
    <message>
        <source>A folder is being prepared already</source>
        <translation>已有一个文件夹正在准备中</translation>
    </message>
    <message>
        <source>Prepare a folder of images</source>
        <translation>准备图像文件夹</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source> px</source>
        <translation> 像素</translation>
    </message>
    <message>
        <source>Crop: shorter side to the size, then the centre</source>
        <translation>裁剪：短边缩放到该尺寸，再取中心区域</translation>
    </message>
    <message>
        <source>Squash: both sides to the size</source>
        <translation>拉伸：两边都缩放到该尺寸</translation>
    </message>
    <message>
        <source>Unlabelled: sub-folders are only nesting, not classes</source>
        <translation>无标签：子文件夹只是嵌套目录，不是类别</translation>
    </message>
    <message>
        <source>none (or the folder&apos;s test/ or val/)</source>
        <translation>无（或使用文件夹中的 test/ 或 val/）</translation>
    </message>
    <message>
        <source>A labelled folder without a test/ folder: this share of its images, drawn at random, becomes the test split</source>
        <translation>有标签但没有 test/ 文件夹时：随机抽取这一比例的图像作为测试集</translation>
    </message>
    <message>
        <source>Folder of images to prepare</source>
        <translation>要准备的图像文件夹</translation>
    </message>
    <message>
        <source>Folder to save the prepared dataset in</source>
        <translation>保存预处理数据集的文件夹</translation>
    </message>
    <message>
        <source>&amp;Folder:</source>
        <translation>文件夹(&amp;F)：</translation>
    </message>
    <message>
        <source>Save &amp;as:</source>
        <translation>保存为(&amp;A)：</translation>
    </message>
    <message>
        <source>Image &amp;size:</source>
        <translation>图像尺寸(&amp;S)：</translation>
    </message>
    <message>
        <source>&amp;Resize:</source>
        <translation>缩放方式(&amp;R)：</translation>
    </message>
    <message>
        <source>&amp;Test split:</source>
        <translation>测试集(&amp;T)：</translation>
    </message>
    <message>
        <source>Prepare</source>
        <translation>准备</translation>
    </message>
    <message>
        <source>Choose the folder of images to prepare.</source>
        <translation>请选择要准备的图像文件夹。</translation>
    </message>
    <message>
        <source>Choose where to save the prepared dataset.</source>
        <translation>请选择预处理数据集的保存位置。</translation>
    </message>
    <message>
        <source>%1 exists and is not a prepared dataset; choose another place to save.</source>
        <translation>%1 已存在且不是预处理数据集；请选择其他保存位置。</translation>
    </message>
    <message>
        <source>%1 holds a prepared dataset already. Replace it?</source>
        <translation>%1 中已有一个预处理数据集。要替换它吗？</translation>
    </message>
    <message>
        <source>Listing the images of %1…</source>
        <translation>正在列出 %1 中的图像…</translation>
    </message>
    <message>
        <source>Preparing %1 into %2…</source>
        <translation>正在将 %1 准备到 %2…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>%1 of %2 images</source>
        <translation>%1 / %2 张图像</translation>
    </message>
    <message>
        <source>%1 of %2 images, %3 images/s, %4 left</source>
        <translation>%1 / %2 张图像，%3 张/秒，剩余 %4</translation>
    </message>
    <message>
        <source>Could not prepare %1: %2</source>
        <translation>无法准备 %1：%2</translation>
    </message>
    <message>
        <source>Prepared %1 images into %2 in %3 s.</source>
        <translation>已将 %1 张图像准备到 %2，用时 %3 秒。</translation>
    </message>
    <message>
        <source>Unreadable files skipped: %1 (listed below and in its manifest.json).</source>
        <translation>已跳过无法读取的文件：%1 个（列在下方及其 manifest.json 中）。</translation>
    </message>
    <message>
        <source>Strict: stop at the first unreadable file instead of skipping it</source>
        <translation>严格：遇到第一个无法读取的文件即停止，而不是跳过</translation>
    </message>
    <message>
        <source>every core (%1)</source>
        <translation>全部核心（%1）</translation>
    </message>
    <message>
        <source>Threads that decode and resize the images</source>
        <translation>解码并缩放图像的线程数</translation>
    </message>
    <message>
        <source> megapixels</source>
        <translation> 百万像素</translation>
    </message>
    <message>
        <source>A file whose header promises more pixels than this is skipped as unreadable (its decoded image would take about 3 bytes a pixel), before any memory is taken for it</source>
        <translation>文件头声明的像素数超过此值的文件会被视为无法读取而跳过（解码后每个像素约占 3 字节），此时尚未为其分配任何内存</translation>
    </message>
    <message>
        <source>T&amp;hreads:</source>
        <translation>线程数(&amp;H)：</translation>
    </message>
    <message>
        <source>Largest &amp;image:</source>
        <translation>最大图像(&amp;I)：</translation>
    </message>
    <message>
        <source>Listing the folder: %1 image files found so far</source>
        <translation>正在列出文件夹：已找到 %1 个图像文件</translation>
    </message>
    <message>
        <source>Preparing %1 was cancelled; nothing was left at %2. Preparing it again with the same settings continues where it stopped.</source>
        <translation>已取消准备 %1；%2 处未留下任何内容。以相同设置再次准备将从中断处继续。</translation>
    </message>
    <message>
        <source>Continued an interrupted prepare: %1 images were already done.</source>
        <translation>已继续一次中断的准备：%1 张图像此前已完成。</translation>
    </message>
    <message>
        <source>%1 images were decoded again: source files among them had changed since.</source>
        <translation>%1 张图像已重新解码：其中有源文件在此后被修改。</translation>
    </message>
    <message>
        <source>class sub-folders (and train/, test/), images at any depth, or CIFAR, STL-10 or MNIST files</source>
        <translation>类别子文件夹（及 train/、test/）、任意层级的图像，或 CIFAR、STL-10、MNIST 文件</translation>
    </message>
    <message>
        <source>%1 files found, but they cannot be read: %2</source>
        <translation>找到了 %1 文件，但无法读取：%2</translation>
    </message>
    <message>
        <source>%1 IDX files</source>
        <translation>%1 IDX 文件</translation>
    </message>
    <message>
        <source>%1 binary files</source>
        <translation>%1 二进制文件</translation>
    </message>
    <message>
        <source>%1 found</source>
        <translation>找到 %1</translation>
    </message>
    <message>
        <source>%1 found in %2</source>
        <translation>在 %2 中找到 %1</translation>
    </message>
    <message>
        <source>%1: %2 images, packed as %3 with its own splits and labels, at %4 × %4 pixels unless you change the image size.</source>
        <translation>%1：%2 张图像，将按 %3 打包，保留其自身的划分和标签；除非更改图像尺寸，否则为 %4 × %4 像素。</translation>
    </message>
    <message>
        <source>This folder is a prepared dataset already: it can be opened as it is.</source>
        <translation>此文件夹已经是预处理数据集，可直接打开。</translation>
    </message>
</context>
<context>
    <name>Datasets</name>
    <message>
        <source>Fashion-MNIST, 28x28 gray clothing, 10 classes</source>
        <translation>Fashion-MNIST，28×28 灰度服装图像，10 个类别</translation>
    </message>
    <message>
        <source>MNIST, 28x28 gray digits, 10 classes</source>
        <translation>MNIST，28×28 灰度手写数字，10 个类别</translation>
    </message>
    <message>
        <source>CIFAR-10, 32x32 colour, 10 classes</source>
        <translation>CIFAR-10，32×32 彩色图像，10 个类别</translation>
    </message>
    <message>
        <source>CIFAR-100, 32x32 colour, 100 classes</source>
        <translation>CIFAR-100，32×32 彩色图像，100 个类别</translation>
    </message>
    <message>
        <source>STL-10, 96x96 colour, 10 classes + 100,000 unlabelled</source>
        <translation>STL-10，96×96 彩色图像，10 个类别 + 100,000 张无标签图像</translation>
    </message>
    <message>
        <source>Synthetic shapes, 32x32 colour, 8 classes, generated from a seed (needs nothing installed)</source>
        <translation>合成形状，32×32 彩色图像，8 个类别，由随机种子生成（无需安装任何东西）</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>unlabeled</source>
        <translation>无标签</translation>
    </message>
    <message>
        <source>Fashion-MNIST, 70,000 28x28 gray images of clothing, 10 classes</source>
        <translation>Fashion-MNIST，70,000 张 28×28 灰度服装图像，10 个类别</translation>
    </message>
</context>
<context>
    <name>EmbeddingPanel</name>
    <message>
        <source>PCA</source>
        <translation>PCA</translation>
    </message>
    <message>
        <source>t-SNE</source>
        <translation>t-SNE</translation>
    </message>
    <message>
        <source>PCA: the plane of largest variance (linear, instant). t-SNE: keeps each point&apos;s near neighbours near (van der Maaten &amp; Hinton 2008); seconds for thousands of points.</source>
        <translation>PCA：方差最大的平面（线性，即时完成）。t-SNE：让每个点的近邻保持相近（van der Maaten &amp; Hinton 2008）；数千个点需要几秒钟。</translation>
    </message>
    <message>
        <source> test images</source>
        <translation> 张测试图像</translation>
    </message>
    <message>
        <source>The first N images of the test split are projected</source>
        <translation>投影测试集中的前 N 张图像</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Save the plot as PNG or PDF, or the points as CSV</source>
        <translation>将图保存为 PNG 或 PDF，或将数据点保存为 CSV</translation>
    </message>
    <message>
        <source>Projection:</source>
        <translation>投影：</translation>
    </message>
    <message>
        <source>of the first</source>
        <translation>取前</translation>
    </message>
    <message>
        <source>Export PNG, PDF or CSV…</source>
        <translation>导出 PNG、PDF 或 CSV…</translation>
    </message>
    <message>
        <source>Reset zoom</source>
        <translation>重置缩放</translation>
    </message>
    <message>
        <source>unlabelled</source>
        <translation>无标签</translation>
    </message>
    <message>
        <source>class %1</source>
        <translation>类别 %1</translation>
    </message>
    <message>
        <source>No run: train one, or open a run folder.</source>
        <translation>没有运行：请训练一个，或打开一个运行文件夹。</translation>
    </message>
    <message>
        <source>Computing t-SNE of the first %1 test images… (seconds on a CPU for a few thousand points: exact up to 1,000 points, Barnes-Hut above)</source>
        <translation>正在计算前 %1 张测试图像的 t-SNE…（几千个点在 CPU 上需要几秒钟：1,000 个点以内精确计算，超过则用 Barnes-Hut 近似）</translation>
    </message>
    <message>
        <source>Computing PCA of the first %1 test images…</source>
        <translation>正在计算前 %1 张测试图像的 PCA…</translation>
    </message>
    <message>
        <source>t-SNE 1</source>
        <translation>t-SNE 1</translation>
    </message>
    <message>
        <source>principal component 1</source>
        <translation>主成分 1</translation>
    </message>
    <message>
        <source>t-SNE 2</source>
        <translation>t-SNE 2</translation>
    </message>
    <message>
        <source>principal component 2</source>
        <translation>主成分 2</translation>
    </message>
    <message>
        <source>%1 of the pooled features · %2 · %3 test images</source>
        <translation>池化特征的 %1 · %2 · %3 张测试图像</translation>
    </message>
    <message>
        <source>%1 of the first %2 test images in %3 s. Hover a point to see its image; drag to pan, wheel to zoom, right-click to reset.</source>
        <translation>前 %2 张测试图像的 %1，用时 %3 秒。悬停在点上可查看其图像；拖动平移，滚轮缩放，右键重置。</translation>
    </message>
    <message>
        <source> %1 classes: no legend; hover a point for its class.</source>
        <translation> %1 个类别：不显示图例；悬停在点上可查看其类别。</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;test image #%2</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;测试图像 #%2</translation>
    </message>
    <message>
        <source>Export projection</source>
        <translation>导出投影</translation>
    </message>
    <message>
        <source>PNG (*.png);;PDF (*.pdf);;CSV (*.csv)</source>
        <translation>PNG (*.png);;PDF (*.pdf);;CSV (*.csv)</translation>
    </message>
    <message>
        <source>Select</source>
        <translation>框选</translation>
    </message>
    <message>
        <source>Drag a lasso around points to select them (or hold Shift while dragging); hold Alt for a rectangle; a click clears the selection</source>
        <translation>拖动套索圈选点（或按住 Shift 拖动）；按住 Alt 为矩形框选；单击清除选择</translation>
    </message>
    <message>
        <source>Query in Retrieval</source>
        <translation>在检索中查询</translation>
    </message>
    <message>
        <source>Show the nearest training images of the image chosen in the gallery</source>
        <translation>显示图库中所选图像的最近邻训练图像</translation>
    </message>
    <message>
        <source>Query in Retrieval: #%1</source>
        <translation>在检索中查询：#%1</translation>
    </message>
    <message>
        <source>Drag with Shift held (or with Select on) to select points; Alt for a rectangle.</source>
        <translation>按住 Shift 拖动（或打开“框选”）以选择点；按住 Alt 为矩形。</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1 selected&lt;/b&gt;</source>
        <translation>&lt;b&gt;已选 %1 个&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;br&gt;The gallery shows the first %1.</source>
        <translation>&lt;br&gt;图库显示前 %1 个。</translation>
    </message>
    <message>
        <source>test image #%1 (click, then Query in Retrieval)</source>
        <translation>测试图像 #%1（点击后选择“在检索中查询”）</translation>
    </message>
</context>
<context>
    <name>ExperimentTextDialog</name>
    <message>
        <source>Save experiment</source>
        <translation>保存实验</translation>
    </message>
    <message>
        <source>The title and the description are saved in the experiment file. Whoever opens it sees them in the Experiments panel before running the lesson.</source>
        <translation>标题和说明保存在实验文件中。打开文件的人在运行这节课之前，会在“实验”面板中看到它们。</translation>
    </message>
    <message>
        <source>e.g. Watch the filters form</source>
        <translation>例如：观察滤波器的形成</translation>
    </message>
    <message>
        <source>For students: what the experiment shows, what to watch for, and what to compare</source>
        <translation>写给学生：这个实验展示什么、要注意观察什么、要比较什么</translation>
    </message>
    <message>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <source>Description for students:</source>
        <translation>给学生的说明：</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>保存…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>FiltersPanel</name>
    <message>
        <source>Each tile is one filter of the network&apos;s first layer: the small pattern of weights it compares with every patch of the image (colour images: in colour), stretched to its own range from dark to bright. At the start they are random noise. As the network learns, many turn into edge and stripe detectors (bright beside dark, at some angle) and colour blobs, the same kind of detectors found in the first layers of every trained image network, and in our own visual cortex.</source>
        <translation>每个图块是网络第一层的一个滤波器（卷积核）：它拿来与图像每个小块比较的一小组权重（彩色图像则以彩色显示），按其自身的范围从暗到亮拉伸。开始时它们是随机噪声。随着网络学习，许多滤波器会变成边缘和条纹检测器（某个角度上亮暗相邻）以及颜色斑块——与每个训练好的图像网络的第一层、乃至我们自己的视觉皮层中的检测器是同一类。</translation>
    </message>
    <message>
        <source>Loading the filters from the checkpoint</source>
        <translation>正在从检查点加载滤波器</translation>
    </message>
    <message>
        <source>Compare with the start</source>
        <translation>与初始状态比较</translation>
    </message>
    <message>
        <source>Show the first filters this panel received for the run beside the current ones: before and after.</source>
        <translation>将本面板为该运行收到的第一组滤波器与当前滤波器并排显示：训练前与训练后。</translation>
    </message>
    <message>
        <source>Save PNG…</source>
        <translation>保存 PNG…</translation>
    </message>
    <message>
        <source>Save what is shown as a PNG image</source>
        <translation>将当前显示的内容保存为 PNG 图像</translation>
    </message>
    <message>
        <source>Could not load the filters of %1: %2</source>
        <translation>无法加载 %1 的滤波器：%2</translation>
    </message>
    <message>
        <source>No filters to show for %1.</source>
        <translation>%1 没有可显示的滤波器。</translation>
    </message>
    <message>
        <source>live, %1</source>
        <translation>实时，%1</translation>
    </message>
    <message>
        <source>live, step %1</source>
        <translation>实时，第 %1 步</translation>
    </message>
    <message>
        <source>No run to show yet.

Start training in the Training panel, or open a run folder: the first layer&apos;s filters appear here and change as the network learns.</source>
        <translation>还没有可显示的运行。

在“训练”面板中开始训练，或打开一个运行文件夹：第一层的滤波器会显示在这里，并随着网络的学习而变化。</translation>
    </message>
    <message>
        <source>%1 is not a run folder: it has no config.json (yet).

If a run is starting there, its filters appear as soon as it trains.</source>
        <translation>%1 不是运行文件夹：其中（还）没有 config.json。

如果那里正在开始一次运行，训练一开始其滤波器就会出现。</translation>
    </message>
    <message>
        <source>%1 has no checkpoint yet.

Its filters appear here as soon as it trains (live), or after its first epoch.</source>
        <translation>%1 还没有检查点。

一开始训练其滤波器就会出现在这里（实时），或在第一个轮次之后出现。</translation>
    </message>
    <message>
        <source>Loading the filters of %1…</source>
        <translation>正在加载 %1 的滤波器…</translation>
    </message>
    <message>
        <source>First-layer filters</source>
        <translation>第一层滤波器</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Start: %1</source>
        <translation>初始：%1</translation>
    </message>
    <message>
        <source>Now: %1</source>
        <translation>当前：%1</translation>
    </message>
    <message>
        <source>start: %1</source>
        <translation>初始：%1</translation>
    </message>
    <message>
        <source>now: %1</source>
        <translation>当前：%1</translation>
    </message>
    <message>
        <source>There are no filters to save yet.</source>
        <translation>还没有可保存的滤波器。</translation>
    </message>
    <message>
        <source>Could not write %1.</source>
        <translation>无法写入 %1。</translation>
    </message>
    <message>
        <source>Save the filters</source>
        <translation>保存滤波器</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Show how far each filter moved</source>
        <translation>显示每个滤波器的变化幅度</translation>
    </message>
    <message>
        <source>An orange bar on each filter: how far it moved since the random start, as a percentage of its starting weights&apos; size; the filter that moved most has a full bar</source>
        <translation>每个滤波器上的橙色条：它相对随机初始值移动了多远，以初始权重大小的百分比表示；移动最多的滤波器为满条</translation>
    </message>
    <message>
        <source>Edge-likeness: how much of each filter&apos;s pattern runs along one orientation, from 0 (noise, blobs) to 1 (a straight edge or stripes), averaged over the filters; random filters score about 0.1 to 0.3. Change: the mean absolute difference of the weights from the random start. The orange bar on each filter shows how far that filter moved: the one that moved most has a full bar, and the percentage compares its change with the size of its starting weights.</source>
        <translation>边缘度：每个滤波器的图案有多少沿同一方向排列，从 0（噪声、色块）到 1（笔直的边缘或条纹），对所有滤波器取平均；随机滤波器约为 0.1 到 0.3。变化量：权重与随机初始值之差的平均绝对值。每个滤波器上的橙色条表示它移动了多远：移动最多的滤波器为满条，百分比是它的变化与其初始权重大小之比。</translation>
    </message>
    <message>
        <source>edge-likeness</source>
        <translation>边缘度</translation>
    </message>
    <message>
        <source>mean change since the start</source>
        <translation>相对初始的平均变化量</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>change</source>
        <translation>变化量</translation>
    </message>
    <message>
        <source>Edge-likeness %1</source>
        <translation>边缘度 %1</translation>
    </message>
    <message>
        <source>(random start: %1)</source>
        <translation>（随机初始：%1）</translation>
    </message>
    <message>
        <source>mean change since the start %1 (%2% of the starting weights&apos; size)</source>
        <translation>相对初始的平均变化量 %1（为初始权重大小的 %2%）</translation>
    </message>
    <message>
        <source>this run kept no copy of its starting filters, so their change is unknown</source>
        <translation>此运行未保存初始滤波器，无法得知其变化量</translation>
    </message>
</context>
<context>
    <name>Formulas</name>
    <message>
        <source>No loss: the encoder keeps its random initial weights.</source>
        <translation>没有损失：编码器保持其随机初始权重。</translation>
    </message>
    <message>
        <source>f: the encoder, W: a linear classifier, y: the true label (cross-entropy).</source>
        <translation>f：编码器，W：线性分类器，y：真实标签（交叉熵）。</translation>
    </message>
    <message>
        <source>rot(x, r): the image turned by r; p: the probability the network gives to the true rotation.</source>
        <translation>rot(x, r)：旋转 r 度后的图像；p：网络给真实旋转角度的概率。</translation>
    </message>
    <message>
        <source>P: a permutation from the fixed set; x_P(k): the tile shuffled to place k; f: the encoder.</source>
        <translation>P：固定集合中的一个排列；x_P(k)：被打乱到位置 k 的拼图块；f：编码器。</translation>
    </message>
    <message>
        <source>x_c: the centre patch, x_k: its neighbour at position k (one of 8); f: the encoder.</source>
        <translation>x_c：中心图像块，x_k：位于位置 k 的相邻图像块（8 个之一）；f：编码器。</translation>
    </message>
    <message>
        <source>Z: the true colour (ab) spread over Q colour bins; p: the bins predicted from the lightness alone; v: a weight that favours rare colours, p̃: the colour prior.</source>
        <translation>Z：分摊到 Q 个颜色区间上的真实颜色（ab）；p：仅由亮度预测出的区间概率；v：偏向稀有颜色的权重，p̃：颜色先验分布。</translation>
    </message>
    <message>
        <source>M: the mask of the hidden region, F: encoder and decoder, ⊙: element-wise product, w_vis: weight of the visible pixels.</source>
        <translation>M：遮挡区域的掩码，F：编码器加解码器，⊙：逐元素乘积，w_vis：可见像素的权重。</translation>
    </message>
    <message>
        <source>v_i: image i&apos;s feature in the memory bank; f_i: its new feature; v_k: m noise samples drawn uniformly from the bank; n: images; τ: temperature; Z: the normaliser.</source>
        <translation>v_i：记忆库中图像 i 的特征；f_i：它的新特征；v_k：从记忆库中均匀抽取的 m 个噪声样本；n：图像数；τ：温度；Z：归一化常数。</translation>
    </message>
    <message>
        <source>z_i, z_j: projections of two views of one image (a positive pair); the sum runs over the other 2N − 1 views of the batch; τ: temperature.</source>
        <translation>z_i, z_j：同一张图像两个视图的投影（正样本对）；求和遍历批次中其余 2N − 1 个视图；τ：温度。</translation>
    </message>
    <message>
        <source>q: the query, k+: the key of another view of the same image, Q: the queue of negative keys; the key encoder θ_k follows the query encoder θ_q with momentum m.</source>
        <translation>q：查询，k+：同一张图像另一视图的键（正样本），Q：负样本键的队列；键编码器 θ_k 以动量 m 跟随查询编码器 θ_q。</translation>
    </message>
    <message>
        <source>q_θ: the online network&apos;s predictor, z′: the target network&apos;s projection, sg: stop-gradient; the target weights ξ follow the online weights θ with momentum m.</source>
        <translation>q_θ：在线网络的预测头，z′：目标网络的投影，sg：停止梯度；目标网络权重 ξ 以动量 m 跟随在线网络权重 θ。</translation>
    </message>
    <message>
        <source>z = g(f(x)): the projection, p = h(z): the predictor&apos;s output, sg: stop-gradient.</source>
        <translation>z = g(f(x))：投影，p = h(z)：预测头的输出，sg：停止梯度。</translation>
    </message>
    <message>
        <source>z^A, z^B: embeddings of the two views, standardised along the batch of B images; C: their cross-correlation matrix; λ: weight of the off-diagonal term; s: scale.</source>
        <translation>z^A, z^B：两个视图的嵌入，沿 B 张图像的批次标准化；C：它们的互相关矩阵；λ：非对角项的权重；s：缩放系数。</translation>
    </message>
    <message>
        <source>C: the prototypes; q: codes computed from the other view by Sinkhorn-Knopp (the swap); τ: temperature; ε: entropic regularisation.</source>
        <translation>C：原型；q：由另一个视图经 Sinkhorn-Knopp 计算出的编码（即“交换”）；τ：温度；ε：熵正则化系数。</translation>
    </message>
    <message>
        <source>φ: PCA-whitened features, μ_k: k-means centroids, y_n: the pseudo-label of image n, C_k: cluster k, w: weights that balance the cluster sizes.</source>
        <translation>φ：经 PCA 白化的特征，μ_k：k-means 聚类中心，y_n：图像 n 的伪标签，C_k：第 k 个簇，w：平衡各簇大小的权重。</translation>
    </message>
    <message>
        <source>t: teacher, s: student; G: the global crops, which only the teacher sees (the student sees every crop); c: the centre of the teacher&apos;s outputs; τ: temperatures.</source>
        <translation>t：教师网络，s：学生网络；G：全局裁剪，只有教师网络看它们（学生网络看所有裁剪）；c：教师网络输出的中心；τ：温度。</translation>
    </message>
    <message>
        <source>M: the masked patches (the loss counts only them), P: pixels per patch, x̂_i: the decoder&apos;s reconstruction of patch i.</source>
        <translation>M：被掩码的图像块（损失只计算它们），P：每个图像块的像素数，x̂_i：解码器对图像块 i 的重建。</translation>
    </message>
</context>
<context>
    <name>HistogramChart</name>
    <message>
        <source>images</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>Save chart as PNG…</source>
        <translation>将图表保存为 PNG…</translation>
    </message>
    <message>
        <source>Save chart</source>
        <translation>保存图表</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Could not write %1.</source>
        <translation>无法写入 %1。</translation>
    </message>
    <message>
        <source>Save chart as PDF…</source>
        <translation>将图表保存为 PDF…</translation>
    </message>
    <message>
        <source>PDF documents (*.pdf)</source>
        <translation>PDF 文档 (*.pdf)</translation>
    </message>
    <message>
        <source>Save counts as CSV…</source>
        <translation>将计数保存为 CSV…</translation>
    </message>
    <message>
        <source>Save counts</source>
        <translation>保存计数</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
</context>
<context>
    <name>ImageGridWidget</name>
    <message>
        <source>Save grid as PNG…</source>
        <translation>将网格保存为 PNG…</translation>
    </message>
    <message>
        <source>Larger tiles</source>
        <translation>放大图块</translation>
    </message>
    <message>
        <source>Smaller tiles</source>
        <translation>缩小图块</translation>
    </message>
    <message>
        <source>Save grid</source>
        <translation>保存网格</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Could not write %1.</source>
        <translation>无法写入 %1。</translation>
    </message>
</context>
<context>
    <name>InspectWorker</name>
    <message>
        <source>unknown error</source>
        <translation>未知错误</translation>
    </message>
</context>
<context>
    <name>InspectionPanel</name>
    <message>
        <source>Could not write %1.</source>
        <translation>无法写入 %1。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop this panel&apos;s computation; what it computed so far is discarded</source>
        <translation>停止此面板的计算；已计算的部分将被丢弃</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
</context>
<context>
    <name>LiveChart</name>
    <message>
        <source>Training loss (thick: smoothed)</source>
        <translation>训练损失（粗线：平滑后）</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>k-NN accuracy</source>
        <translation>k-NN 准确率</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <source>accuracy (%)</source>
        <translation>准确率 (%)</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Throughput</source>
        <translation>吞吐量</translation>
    </message>
    <message>
        <source>images / s</source>
        <translation>图像/秒</translation>
    </message>
    <message>
        <source>Reset zoom</source>
        <translation>重置缩放</translation>
    </message>
    <message>
        <source>Show the whole of every run again, and follow new points</source>
        <translation>重新显示每次运行的全部数据，并跟随新的数据点</translation>
    </message>
    <message>
        <source>Export charts…</source>
        <translation>导出图表…</translation>
    </message>
    <message>
        <source>The four charts as PNG or PDF, or every series of every run as CSV</source>
        <translation>将四个图表导出为 PNG 或 PDF，或将每次运行的每条曲线导出为 CSV</translation>
    </message>
    <message>
        <source>Export this chart as PNG or PDF…</source>
        <translation>将此图表导出为 PNG 或 PDF…</translation>
    </message>
    <message>
        <source>Export all charts or CSV…</source>
        <translation>导出全部图表或 CSV…</translation>
    </message>
    <message>
        <source>run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>random init (%1%)</source>
        <translation>随机初始化（%1%）</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <source>CSV of every series (*.csv)</source>
        <translation>所有曲线的 CSV (*.csv)</translation>
    </message>
    <message>
        <source>Export chart</source>
        <translation>导出图表</translation>
    </message>
    <message>
        <source>Export charts</source>
        <translation>导出图表</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Could not write %1.</source>
        <translation>无法写入 %1。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Pick a dataset, see its images, classes and splits</source>
        <translation>选择数据集，查看其图像、类别和数据划分</translation>
    </message>
    <message>
        <source>Augmentations</source>
        <translation>数据增强</translation>
    </message>
    <message>
        <source>Switch augmentations on and off, set their strength, preview two views</source>
        <translation>开关各项数据增强，设置强度，预览两个视图</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Pick a method, train it, watch loss and k-NN accuracy</source>
        <translation>选择一种方法并训练，观察损失和 k-NN 准确率</translation>
    </message>
    <message>
        <source>Experiments</source>
        <translation>实验</translation>
    </message>
    <message>
        <source>One-click demonstrations for a class</source>
        <translation>一键演示，供课堂使用</translation>
    </message>
    <message>
        <source>Filters</source>
        <translation>滤波器</translation>
    </message>
    <message>
        <source>The first layer&apos;s filters, live while training</source>
        <translation>第一层的滤波器，训练时实时显示</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>注意力</translation>
    </message>
    <message>
        <source>Where each stage looks, for this run and a second one</source>
        <translation>每个阶段关注哪里，可与另一次运行比较</translation>
    </message>
    <message>
        <source>Retrieval</source>
        <translation>检索</translation>
    </message>
    <message>
        <source>Click a test image, see its nearest training images</source>
        <translation>点击一张测试图像，查看与其最近邻的训练图像</translation>
    </message>
    <message>
        <source>Embedding</source>
        <translation>嵌入</translation>
    </message>
    <message>
        <source>The test images&apos; features in 2-D (PCA or t-SNE), by class</source>
        <translation>测试图像特征的二维投影（PCA 或 t-SNE），按类别着色</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>The comparison table over runs; export CSV or Markdown</source>
        <translation>各次运行的对比表；可导出 CSV 或 Markdown</translation>
    </message>
    <message>
        <source>A run is going: stop it before resuming another</source>
        <translation>有运行正在进行：请先停止它再继续另一个</translation>
    </message>
    <message>
        <source>A run is going: stop it before starting an experiment</source>
        <translation>有运行正在进行：请先停止它再开始实验</translation>
    </message>
    <message>
        <source>Experiment &apos;%1&apos;: %2</source>
        <translation>实验“%1”：%2</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open dataset…</source>
        <translation>打开数据集(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;run folder…</source>
        <translation>打开运行文件夹(&amp;R)…</translation>
    </message>
    <message>
        <source>Show a run folder (from the window or pretext-cli) in the inspection panels</source>
        <translation>在查看面板中显示一个运行文件夹（由本窗口或 pretext-cli 生成）</translation>
    </message>
    <message>
        <source>Resume &amp;training of this run</source>
        <translation>继续训练此运行(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Large font (projector)</source>
        <translation>大字体（投影仪）(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Dark theme</source>
        <translation>深色主题(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Pretext</source>
        <translation>关于 Pretext(&amp;A)</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>关于 Qt(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The window will be in %1 the next time Pretext starts.</source>
        <translation>下次启动 Pretext 时，窗口将使用%1。</translation>
    </message>
    <message>
        <source>%1 · %2 images · %3 classes</source>
        <translation>%1 · %2 张图像 · %3 个类别</translation>
    </message>
    <message>
        <source>%1 is not a run folder: it has no config.json</source>
        <translation>%1 不是运行文件夹：其中没有 config.json</translation>
    </message>
    <message>
        <source>Run: %1</source>
        <translation>运行：%1</translation>
    </message>
    <message>
        <source>Open a run folder</source>
        <translation>打开运行文件夹</translation>
    </message>
    <message>
        <source>About Pretext</source>
        <translation>关于 Pretext</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Pretext %1&lt;/h3&gt;&lt;p&gt;A workbench for self-supervised visual representation learning: pick a dataset and a method, train, and see what was learned while it is being learned.&lt;/p&gt;&lt;p&gt;Built with Qt %2, QCustomPlot %3 and LibTorch.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Pretext %1&lt;/h3&gt;&lt;p&gt;自监督视觉表示学习的实验平台：选择数据集和方法，开始训练，边学习边观察学到了什么。&lt;/p&gt;&lt;p&gt;基于 Qt %2、QCustomPlot %3 和 LibTorch 构建。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Follow run folder…</source>
        <translation>跟随运行文件夹(&amp;F)…</translation>
    </message>
    <message>
        <source>Follow a run folder that another process writes (pretext-cli, a cluster job): charts and inspection panels grow with it</source>
        <translation>跟随由其他进程（pretext-cli、集群作业）写入的运行文件夹：图表和检查面板随之更新</translation>
    </message>
    <message>
        <source>Open e&amp;xperiment…</source>
        <translation>打开实验(&amp;X)…</translation>
    </message>
    <message>
        <source>Open a lesson saved as an experiment file (.json)</source>
        <translation>打开保存为实验文件（.json）的课程</translation>
    </message>
    <message>
        <source>&amp;Save experiment…</source>
        <translation>保存实验(&amp;S)…</translation>
    </message>
    <message>
        <source>Save the dataset, augmentations, method, options and the panel on show as one experiment file to hand out</source>
        <translation>将数据集、数据增强、方法、选项和当前显示的面板保存为一个实验文件，便于分发</translation>
    </message>
    <message>
        <source>Following: %1</source>
        <translation>跟随中：%1</translation>
    </message>
    <message>
        <source>A run is going: stop it before following another</source>
        <translation>有训练正在进行：请先停止它，再跟随另一个运行</translation>
    </message>
    <message>
        <source>%1 is not a folder</source>
        <translation>%1 不是文件夹</translation>
    </message>
    <message>
        <source>Following %1: the charts grow as it writes metrics.csv</source>
        <translation>正在跟随 %1：图表随其写入 metrics.csv 而增长</translation>
    </message>
    <message>
        <source>Follow a run folder</source>
        <translation>跟随运行文件夹</translation>
    </message>
    <message>
        <source>Open experiment</source>
        <translation>打开实验</translation>
    </message>
    <message>
        <source>Could not open the experiment: %1</source>
        <translation>无法打开实验：%1</translation>
    </message>
    <message>
        <source>Opened the experiment &apos;%1&apos;: click Run this experiment to start it</source>
        <translation>已打开实验“%1”：点击“运行此实验”开始</translation>
    </message>
    <message>
        <source>Save experiment</source>
        <translation>保存实验</translation>
    </message>
    <message>
        <source>Could not save the experiment: %1</source>
        <translation>无法保存实验：%1</translation>
    </message>
    <message>
        <source>Saved the experiment to %1</source>
        <translation>实验已保存到 %1</translation>
    </message>
    <message>
        <source>Open an experiment</source>
        <translation>打开实验</translation>
    </message>
    <message>
        <source>Experiments (*.json)</source>
        <translation>实验文件 (*.json)</translation>
    </message>
    <message>
        <source>Save the experiment</source>
        <translation>保存实验</translation>
    </message>
    <message>
        <source>lesson.json</source>
        <translation>lesson.json</translation>
    </message>
    <message>
        <source>Followed run: %1</source>
        <translation>跟随的运行：%1</translation>
    </message>
    <message>
        <source>Following: %1 · %2</source>
        <translation>跟随中：%1 · %2</translation>
    </message>
    <message>
        <source>%1 — Pretext</source>
        <translation>%1 — Pretext</translation>
    </message>
</context>
<context>
    <name>MethodOptions</name>
    <message>
        <source>width of the 3-layer projector and of the embedding (paper 8192)</source>
        <translation>三层投影头及嵌入的宽度（论文：8192）</translation>
    </message>
    <message>
        <source>weight of the off-diagonal term; 0 picks 1/proj-dim (paper 5e-3 for 8192-d)</source>
        <translation>非对角项的权重；0 表示取 1/proj-dim（论文：8192 维时为 5e-3）</translation>
    </message>
    <message>
        <source>factor on the loss, about 1/proj-dim, so plain SGD steps stay small (authors&apos; early code: 1/32 with LARS)</source>
        <translation>损失的缩放系数，约为 1/proj-dim，使普通 SGD 的步长保持较小（作者早期代码：配合 LARS 取 1/32）</translation>
    </message>
    <message>
        <source>base momentum of the target network, raised to 1 by a cosine schedule (paper 0.996)</source>
        <translation>目标网络的基础动量，按余弦调度升至 1（论文：0.996）</translation>
    </message>
    <message>
        <source>output size of projector and predictor</source>
        <translation>投影头和预测头的输出维度</translation>
    </message>
    <message>
        <source>hidden width of projector and predictor (paper 4096)</source>
        <translation>投影头和预测头的隐藏层宽度（论文：4096）</translation>
    </message>
    <message>
        <source>side of an ab colour bin; bins outside the sRGB gamut are dropped (paper 10: 313 bins)</source>
        <translation>ab 颜色区间的边长；sRGB 色域之外的区间被舍弃（论文：10，共 313 个区间）</translation>
    </message>
    <message>
        <source>share of the uniform distribution in the rebalancing weights (paper 0.5)</source>
        <translation>再平衡权重中均匀分布所占的比例（论文：0.5）</translation>
    </message>
    <message>
        <source>nearest bins the true colour is spread over, Gaussian sigma = grid/2 (paper 5, sigma 5)</source>
        <translation>真实颜色分摊到的最近区间数，高斯 sigma = 区间边长/2（论文：5，sigma 5）</translation>
    </message>
    <message>
        <source>encoder stage the decoder reads, 1..5 (convnet conv1..conv5), 0: the last (paper: the last)</source>
        <translation>解码器读取的编码器阶段，1..5（convnet 的 conv1..conv5），0：最后一个（论文：最后一个）</translation>
    </message>
    <message>
        <source>patch side as a fraction of its grid cell; the rest is the random gap and jitter (paper 96 of 144 px, 0.67)</source>
        <translation>图像块边长占其网格单元的比例；其余部分为随机间隙和抖动（论文：144 像素中取 96，0.67）</translation>
    </message>
    <message>
        <source>side in pixels the patches are resized to for the encoder, 0: native (paper 96 px, native)</source>
        <translation>图像块送入编码器前缩放到的边长（像素），0：保持原尺寸（论文：96 像素，原尺寸）</translation>
    </message>
    <message>
        <source>hidden width of the head over the two concatenated patch features (paper 4096)</source>
        <translation>作用于两个拼接图像块特征的预测头的隐藏层宽度（论文：4096）</translation>
    </message>
    <message>
        <source>number of k-means clusters (paper 10000 for ImageNet; about 10x the classes)</source>
        <translation>k-means 聚类的簇数（论文：ImageNet 上为 10000；约为类别数的 10 倍）</translation>
    </message>
    <message>
        <source>PCA dimensions (whitened) before k-means; 0: no PCA (paper 256)</source>
        <translation>k-means 之前 PCA（白化）的维数；0：不做 PCA（论文：256）</translation>
    </message>
    <message>
        <source>k-means iterations per epoch (paper 20, with faiss)</source>
        <translation>每个轮次的 k-means 迭代次数（论文：20，使用 faiss）</translation>
    </message>
    <message>
        <source>K, outputs of the DINO head (paper 65536)</source>
        <translation>K，DINO 头的输出维度（论文：65536）</translation>
    </message>
    <message>
        <source>hidden width of the head&apos;s MLP (paper 2048)</source>
        <translation>头部 MLP 的隐藏层宽度（论文：2048）</translation>
    </message>
    <message>
        <source>bottleneck before the L2-normalised, weight-normalised last layer (paper 256)</source>
        <translation>L2 归一化、权重归一化的最后一层之前的瓶颈维度（论文：256）</translation>
    </message>
    <message>
        <source>student temperature (paper 0.1)</source>
        <translation>学生网络的温度（论文：0.1）</translation>
    </message>
    <message>
        <source>teacher temperature, sharpening (paper 0.04, warmed up to 0.07 in long runs)</source>
        <translation>教师网络的温度，用于锐化（论文：0.04，长时间训练中预热到 0.07）</translation>
    </message>
    <message>
        <source>momentum of the teacher&apos;s output centre (paper 0.9)</source>
        <translation>教师网络输出中心的动量（论文：0.9）</translation>
    </message>
    <message>
        <source>base momentum of the teacher, raised to 1 by a cosine schedule (paper 0.996)</source>
        <translation>教师网络的基础动量，按余弦调度升至 1（论文：0.996）</translation>
    </message>
    <message>
        <source>small crops per image seen by the student only (paper 10; 0 = two global crops only)</source>
        <translation>每张图像中只给学生网络看的小裁剪数（论文：10；0 = 只用两个全局裁剪）</translation>
    </message>
    <message>
        <source>side of a local crop as a fraction of the image side (paper 96/224 = 0.43)</source>
        <translation>局部裁剪边长占图像边长的比例（论文：96/224 = 0.43）</translation>
    </message>
    <message>
        <source>global crops cover [global-scale, 1] of the image area (paper 0.4)</source>
        <translation>全局裁剪覆盖图像面积的 [global-scale, 1]（论文：0.4）</translation>
    </message>
    <message>
        <source>local crops cover [0.05, local-scale] of the image area (paper 0.4)</source>
        <translation>局部裁剪覆盖图像面积的 [0.05, local-scale]（论文：0.4）</translation>
    </message>
    <message>
        <source>hidden region: 0 central square, 1 random square, 2 four random blocks (paper: central, random block, random region)</source>
        <translation>遮挡区域：0 中央正方形，1 随机正方形，2 四个随机方块（论文：中央、随机方块、随机区域）</translation>
    </message>
    <message>
        <source>share of the image area hidden (paper: a quarter, the central 64x64 of 128x128)</source>
        <translation>被遮挡的图像面积比例（论文：四分之一，即 128×128 中央的 64×64）</translation>
    </message>
    <message>
        <source>weight of the error on visible pixels relative to hidden ones (paper eq. 1: 0)</source>
        <translation>可见像素误差相对于遮挡像素误差的权重（论文公式 1：0）</translation>
    </message>
    <message>
        <source>size of the normalised embedding kept in the memory bank (paper 128)</source>
        <translation>记忆库中保存的归一化嵌入的维度（论文：128）</translation>
    </message>
    <message>
        <source>noise samples m drawn uniformly from the bank per batch (paper 4096)</source>
        <translation>每个批次从记忆库中均匀抽取的噪声样本数 m（论文：4096）</translation>
    </message>
    <message>
        <source>temperature t of exp(v.f/t) (paper 0.07)</source>
        <translation>exp(v·f/t) 中的温度 t（论文：0.07）</translation>
    </message>
    <message>
        <source>memory bank update v &lt;- m v + (1-m) f, then renormalised (paper 0.5)</source>
        <translation>记忆库更新 v ← m v + (1−m) f，再重新归一化（论文：0.5）</translation>
    </message>
    <message>
        <source>size of the permutation set, chosen by maximal Hamming distance (paper 1000)</source>
        <translation>排列集合的大小，按最大汉明距离选取（论文：1000）</translation>
    </message>
    <message>
        <source>tile side as a fraction of its grid cell; the rest is the random gap (paper 64 of 75 px, 0.85)</source>
        <translation>拼图块边长占其网格单元的比例；其余部分为随机间隙（论文：75 像素中取 64，0.85）</translation>
    </message>
    <message>
        <source>side in pixels the tiles are resized to for the encoder, 0: native (paper 64 px, native)</source>
        <translation>拼图块送入编码器前缩放到的边长（像素），0：保持原尺寸（论文：64 像素，原尺寸）</translation>
    </message>
    <message>
        <source>hidden width of the head over the 9 concatenated tile features (paper 4096)</source>
        <translation>作用于 9 个拼接拼图块特征的预测头的隐藏层宽度（论文：4096）</translation>
    </message>
    <message>
        <source>fraction of patches hidden from the encoder (paper 0.75)</source>
        <translation>对编码器遮挡的图像块比例（论文：0.75）</translation>
    </message>
    <message>
        <source>width of the decoder (paper 512)</source>
        <translation>解码器的宽度（论文：512）</translation>
    </message>
    <message>
        <source>transformer blocks in the decoder (paper 8)</source>
        <translation>解码器中的 Transformer 模块数（论文：8）</translation>
    </message>
    <message>
        <source>attention heads in the decoder (paper 16)</source>
        <translation>解码器中的注意力头数（论文：16）</translation>
    </message>
    <message>
        <source>softmax temperature t (MoCo v2: 0.2)</source>
        <translation>softmax 温度 t（MoCo v2：0.2）</translation>
    </message>
    <message>
        <source>momentum m of the key encoder (paper 0.999 for long ImageNet runs)</source>
        <translation>键编码器的动量 m（论文：ImageNet 长时间训练为 0.999）</translation>
    </message>
    <message>
        <source>number of negative keys kept in the queue (paper 65536)</source>
        <translation>队列中保存的负样本键数量（论文：65536）</translation>
    </message>
    <message>
        <source>output size of the projection head</source>
        <translation>投影头的输出维度</translation>
    </message>
    <message>
        <source>softmax temperature t of NT-Xent (paper: 0.1-0.5; 0.2 suits small batches)</source>
        <translation>NT-Xent 的 softmax 温度 t（论文：0.1-0.5；0.2 适合小批次）</translation>
    </message>
    <message>
        <source>width of the 3-layer projector and of its output (paper 2048)</source>
        <translation>三层投影头及其输出的宽度（论文：2048）</translation>
    </message>
    <message>
        <source>bottleneck width of the predictor (paper 512, a quarter of the output)</source>
        <translation>预测头的瓶颈宽度（论文：512，即输出的四分之一）</translation>
    </message>
    <message>
        <source>number K of prototypes (paper 3000 for ImageNet; about 10x the classes)</source>
        <translation>原型数量 K（论文：ImageNet 上为 3000；约为类别数的 10 倍）</translation>
    </message>
    <message>
        <source>softmax temperature tau of the swapped prediction (paper 0.1)</source>
        <translation>交换预测的 softmax 温度 τ（论文：0.1）</translation>
    </message>
    <message>
        <source>entropic regularisation of Sinkhorn-Knopp (paper 0.05)</source>
        <translation>Sinkhorn-Knopp 的熵正则化系数（论文：0.05）</translation>
    </message>
    <message>
        <source>Sinkhorn-Knopp iterations (paper 3)</source>
        <translation>Sinkhorn-Knopp 迭代次数（论文：3）</translation>
    </message>
    <message>
        <source>optimizer steps with frozen prototypes at the start (paper: the first epoch, 313 iterations)</source>
        <translation>开始时冻结原型的优化步数（论文：第一个轮次，313 次迭代）</translation>
    </message>
    <message>
        <source>features of earlier batches kept per view for the codes; 0: no queue (paper 3840 for small batches)</source>
        <translation>为计算编码而按视图保留的先前批次特征数；0：不用队列（论文：小批次时为 3840）</translation>
    </message>
    <message>
        <source>output size of the projection head (paper 128)</source>
        <translation>投影头的输出维度（论文：128）</translation>
    </message>
    <message>
        <source>1: normalise each tile to zero mean, unit variance (paper: 1, against low-level shortcuts)</source>
        <translation>1：把每个拼图块归一化为零均值、单位方差（论文：1，防止利用低层线索走捷径）</translation>
    </message>
    <message>
        <source>1: reconstruct each patch normalised by its own mean and variance (the paper&apos;s best); 0: raw pixels</source>
        <translation>1：重建按各自均值和方差归一化后的图像块（论文中效果最好）；0：原始像素</translation>
    </message>
</context>
<context>
    <name>Methods</name>
    <message>
        <source>Barlow Twins</source>
        <translation>Barlow Twins</translation>
    </message>
    <message>
        <source>non-contrastive</source>
        <translation>非对比学习</translation>
    </message>
    <message>
        <source>The embeddings of two views of a batch are standardised along the batch, and their cross-correlation matrix (embedding dimension by embedding dimension) is pushed towards the identity. The diagonal term makes every dimension agree between the two views (invariance to augmentation); the off-diagonal term decorrelates the dimensions, so that they cannot all carry the same information, which rules out collapse without negatives, momentum encoders or stop-gradients.</source>
        <translation>一个批次中两个视图的嵌入沿批次方向标准化，并把它们的互相关矩阵（嵌入维度 × 嵌入维度）推向单位矩阵。对角项让每个维度在两个视图之间保持一致（对数据增强的不变性）；非对角项让各维度去相关，使它们不能都携带相同的信息——这样无需负样本、动量编码器或停止梯度就能避免坍缩。</translation>
    </message>
    <message>
        <source>Zbontar, Jing, Misra, LeCun &amp; Deny 2021, Barlow Twins: Self-Supervised Learning via Redundancy Reduction</source>
        <translation>Zbontar, Jing, Misra, LeCun &amp; Deny 2021, Barlow Twins: Self-Supervised Learning via Redundancy Reduction</translation>
    </message>
    <message>
        <source>BYOL</source>
        <translation>BYOL</translation>
    </message>
    <message>
        <source>No negatives at all: an online network with an extra predictor learns to predict the projection that a target network (a moving average of the online one) gives for another view of the same image. The predictor and the slowly moving target keep the two from collapsing to a constant.</source>
        <translation>完全不用负样本：带有额外预测头的在线网络，学习预测目标网络（在线网络的滑动平均）对同一张图像另一个视图给出的投影。预测头和缓慢移动的目标网络使两者不会坍缩成常数。</translation>
    </message>
    <message>
        <source>Grill et al. 2020, Bootstrap Your Own Latent</source>
        <translation>Grill et al. 2020, Bootstrap Your Own Latent</translation>
    </message>
    <message>
        <source>Colorization</source>
        <translation>图像上色</translation>
    </message>
    <message>
        <source>pretext task</source>
        <translation>前置任务</translation>
    </message>
    <message>
        <source>The encoder sees only the lightness L of a colour image and must guess every pixel&apos;s colour (the a*b* channels of the Lab colour space), as a choice among quantised colour bins rather than one averaged colour, so it can say &apos;red or blue&apos; instead of a dull brown. To colour a pixel right it has to know what object the pixel belongs to and where that object&apos;s edges are, which teaches shape and segmentation without labels. Rare colours count more (class rebalancing), so that it does not just predict the common grayish colours everywhere. It needs colour images: one-channel datasets such as Fashion-MNIST have no colour to predict.</source>
        <translation>编码器只看到彩色图像的亮度 L，必须猜出每个像素的颜色（Lab 颜色空间的 a*b* 通道）。它在量化后的颜色区间中做选择，而不是输出一个平均颜色，因此可以回答“红色或蓝色”，而不是一片暗淡的棕色。要给像素涂对颜色，它必须知道像素属于哪个物体、物体的边缘在哪里——这样无需标签就学到了形状和分割。稀有颜色的权重更高（类别再平衡），以免它处处只预测常见的灰色调。该方法需要彩色图像：Fashion-MNIST 这样的单通道数据集没有颜色可预测。</translation>
    </message>
    <message>
        <source>Zhang, Isola &amp; Efros 2016, Colorful Image Colorization</source>
        <translation>Zhang, Isola &amp; Efros 2016, Colorful Image Colorization</translation>
    </message>
    <message>
        <source>Context prediction (relative patch position)</source>
        <translation>上下文预测（图像块相对位置）</translation>
    </message>
    <message>
        <source>Two patches are cut from a 3x3 grid over the image: the centre one and one of its 8 neighbours. The same encoder describes both, and a head on the pair says where the neighbour lies (top-left, top, ..., bottom-right). Answering needs knowing what the patches show and how object parts sit relative to each other (a collar above a sleeve, a heel behind a sole). Gaps and random jitter between the patches stop the network from cheating by matching edges or lines that run across the patch border.</source>
        <translation>在图像上划分 3×3 网格，从中切出两个图像块：中心块和它的 8 个相邻块之一。同一个编码器分别描述两者，再由作用于这一对特征的预测头判断相邻块位于哪里（左上、上、……、右下）。要回答正确，需要知道图像块里是什么，以及物体各部件之间的相对位置（领口在袖子上方，鞋跟在鞋底后面）。图像块之间的间隙和随机抖动，防止网络靠对齐跨越块边界的边缘或线条来“作弊”。</translation>
    </message>
    <message>
        <source>Doersch, Gupta &amp; Efros 2015, Unsupervised Visual Representation Learning by Context Prediction</source>
        <translation>Doersch, Gupta &amp; Efros 2015, Unsupervised Visual Representation Learning by Context Prediction</translation>
    </message>
    <message>
        <source>DeepCluster</source>
        <translation>DeepCluster</translation>
    </message>
    <message>
        <source>clustering</source>
        <translation>聚类</translation>
    </message>
    <message>
        <source>At the start of every epoch the network&apos;s features of all training images are reduced by PCA, whitened, normalised and grouped by k-means; the cluster index of each image becomes its pseudo-label, and for the rest of the epoch the network is trained to classify images into these clusters (with a freshly reset classifier, and every cluster weighted equally so that large clusters do not take over). Even random features cluster images by simple cues; learning to predict the clusters sharpens the features, and re-clustering with the better features gives better labels.</source>
        <translation>每个轮次开始时，网络对所有训练图像提取的特征经 PCA 降维、白化、归一化后用 k-means 聚类；每张图像所在簇的编号成为它的伪标签，在该轮次余下的时间里，网络被训练把图像分到这些簇中（分类器每轮重新初始化，且每个簇权重相同，以免大簇占据主导）。即使是随机特征也能按简单线索把图像聚类；学习预测这些簇会让特征更清晰，而用更好的特征重新聚类又会得到更好的标签。</translation>
    </message>
    <message>
        <source>Caron, Bojanowski, Joulin &amp; Douze 2018, Deep Clustering for Unsupervised Learning of Visual Features</source>
        <translation>Caron, Bojanowski, Joulin &amp; Douze 2018, Deep Clustering for Unsupervised Learning of Visual Features</translation>
    </message>
    <message>
        <source>DINO</source>
        <translation>DINO</translation>
    </message>
    <message>
        <source>Self-distillation with no labels: a student network learns to output the same probability distribution over K abstract &apos;classes&apos; as a teacher network (a moving average of the student) gives for another crop of the same image. The teacher sees only two large crops, the student also sees small local crops, so it must infer the whole object from a part. Centring the teacher&apos;s outputs (subtracting a running mean) and sharpening them (a low temperature) pull in opposite directions and keep the outputs from collapsing.</source>
        <translation>无标签的自蒸馏：学生网络学习在 K 个抽象“类别”上输出与教师网络（学生网络的滑动平均）对同一张图像另一个裁剪给出的相同概率分布。教师网络只看两个大的全局裁剪，学生网络还看小的局部裁剪，因此必须由局部推断出整个物体。对教师网络的输出做中心化（减去滑动均值）和锐化（用较低的温度），两者作用方向相反，从而防止输出坍缩。</translation>
    </message>
    <message>
        <source>Caron, Touvron, Misra, Jegou, Mairal, Bojanowski &amp; Joulin 2021, Emerging Properties in Self-Supervised Vision Transformers</source>
        <translation>Caron, Touvron, Misra, Jegou, Mairal, Bojanowski &amp; Joulin 2021, Emerging Properties in Self-Supervised Vision Transformers</translation>
    </message>
    <message>
        <source>Inpainting (context encoder)</source>
        <translation>图像修复（上下文编码器）</translation>
    </message>
    <message>
        <source>A region of the image is hidden (filled with the dataset&apos;s mean colour) and a decoder on top of the encoder must paint it back from the surroundings. Filling a hole in a shirt or a shoe needs knowing what the object is and how its parts continue, so the encoder learns shapes and context. Only the squared error on the hidden region counts (plus, optionally, a small weight on the visible pixels); the paper&apos;s adversarial term, which makes the fill sharper, is left out.</source>
        <translation>图像的一块区域被遮挡（用数据集的平均颜色填充），编码器之上的解码器必须根据周围内容把它画回来。要补上衬衫或鞋子上的空洞，需要知道物体是什么、各部分如何延续，因此编码器学到了形状和上下文。只计算遮挡区域上的平方误差（可选地对可见像素加一个小权重）；论文中让填充更清晰的对抗损失项没有采用。</translation>
    </message>
    <message>
        <source>Pathak, Krähenbühl, Donahue, Darrell &amp; Efros 2016, Context Encoders: Feature Learning by Inpainting</source>
        <translation>Pathak, Krähenbühl, Donahue, Darrell &amp; Efros 2016, Context Encoders: Feature Learning by Inpainting</translation>
    </message>
    <message>
        <source>InstDisc (instance discrimination)</source>
        <translation>InstDisc（实例判别）</translation>
    </message>
    <message>
        <source>contrastive</source>
        <translation>对比学习</translation>
    </message>
    <message>
        <source>Every training image is treated as its own class. A memory bank keeps one normalised feature per image (a slowly updated copy of what the network gave it last time); the network learns to make an image&apos;s feature closer to its own bank entry than to randomly drawn entries of other images. Noise-contrastive estimation (NCE) replaces the softmax over all N images with a binary task: the true entry against m noise entries. Telling 60,000 images apart under augmentation forces features that capture what makes images similar, so images of one class end up close together.</source>
        <translation>每张训练图像都被当作一个单独的类别。记忆库为每张图像保存一个归一化特征（网络上次给出结果的缓慢更新副本）；网络学习让图像的特征更接近它自己在记忆库中的条目，而远离随机抽取的其他图像的条目。噪声对比估计（NCE）把对全部 N 张图像的 softmax 换成一个二分类任务：真实条目对 m 个噪声条目。在数据增强下区分 60,000 张图像，迫使特征捕捉让图像相似的因素，于是同一类别的图像最终彼此靠近。</translation>
    </message>
    <message>
        <source>Wu, Xiong, Yu &amp; Lin 2018, Unsupervised Feature Learning via Non-Parametric Instance Discrimination</source>
        <translation>Wu, Xiong, Yu &amp; Lin 2018, Unsupervised Feature Learning via Non-Parametric Instance Discrimination</translation>
    </message>
    <message>
        <source>Jigsaw puzzle</source>
        <translation>拼图</translation>
    </message>
    <message>
        <source>The image is cut into a 3x3 grid of tiles, the tiles are shuffled by one of a fixed set of permutations, and the network must say which permutation it sees. Every tile goes through the same encoder on its own, so the encoder has to describe what each piece shows (the toe of a shoe, a sleeve, a collar) well enough for the head to put the pieces back in place. The tiles are cut with random gaps between them, so that continuing lines across tile edges does not give the answer away; the permutations are chosen far apart in Hamming distance, so that neighbouring answers cannot be confused by moving a single tile.</source>
        <translation>图像被切成 3×3 的拼图块，按固定排列集合中的某个排列打乱，网络必须说出它看到的是哪个排列。每个拼图块单独经过同一个编码器，因此编码器必须把每一块里是什么（鞋尖、袖子、领口）描述得足够好，让预测头能把它们放回原位。拼图块之间留有随机间隙，使得延续跨越块边缘的线条无法泄露答案；所选排列之间的汉明距离都很大，因此只移动一块不会与相近的答案混淆。</translation>
    </message>
    <message>
        <source>Noroozi &amp; Favaro 2016, Unsupervised Learning of Visual Representations by Solving Jigsaw Puzzles</source>
        <translation>Noroozi &amp; Favaro 2016, Unsupervised Learning of Visual Representations by Solving Jigsaw Puzzles</translation>
    </message>
    <message>
        <source>MAE</source>
        <translation>MAE</translation>
    </message>
    <message>
        <source>masked image modeling</source>
        <translation>掩码图像建模</translation>
    </message>
    <message>
        <source>The image is cut into patches and most of them (75%) are hidden at random. The ViT encoder sees only the visible patches; a small decoder gets the encoded patches plus a shared &apos;mask&apos; token at every hidden position and must paint the hidden pixels back. Guessing a missing sleeve or sole from a few scattered patches needs an understanding of shapes and parts, which is what the encoder learns. Hiding so much makes the task hard enough and the encoder cheap, since it skips the hidden patches.</source>
        <translation>图像被切成图像块，其中大部分（75%）被随机遮挡。ViT 编码器只看可见的图像块；一个小解码器接收编码后的图像块，并在每个被遮挡的位置放一个共享的“掩码”标记，必须把被遮挡的像素画回来。从零散的几个图像块猜出缺失的袖子或鞋底，需要理解形状和部件——这正是编码器学到的东西。遮挡这么多既让任务足够难，又让编码器计算量小，因为它跳过了被遮挡的图像块。</translation>
    </message>
    <message>
        <source>He, Chen, Xie, Li, Dollar &amp; Girshick 2022, Masked Autoencoders Are Scalable Vision Learners</source>
        <translation>He, Chen, Xie, Li, Dollar &amp; Girshick 2022, Masked Autoencoders Are Scalable Vision Learners</translation>
    </message>
    <message>
        <source>MoCo v2</source>
        <translation>MoCo v2</translation>
    </message>
    <message>
        <source>Like SimCLR, but the negatives come from a long queue of keys computed by a slowly moving copy of the encoder (its weights follow the trained encoder by an exponential moving average). The queue gives many negatives without a huge batch, and the momentum encoder keeps those keys consistent.</source>
        <translation>与 SimCLR 类似，但负样本来自一个很长的键队列，这些键由编码器的一个缓慢移动的副本（动量编码器，其权重以指数滑动平均跟随被训练的编码器）计算。队列无需超大批次就能提供大量负样本，动量编码器则让这些键保持一致。</translation>
    </message>
    <message>
        <source>He et al. 2020, Momentum Contrast; Chen, Fan, Girshick &amp; He 2020, Improved Baselines (v2)</source>
        <translation>He et al. 2020, Momentum Contrast; Chen, Fan, Girshick &amp; He 2020, Improved Baselines (v2)</translation>
    </message>
    <message>
        <source>Random init</source>
        <translation>随机初始化</translation>
    </message>
    <message>
        <source>baseline</source>
        <translation>基线</translation>
    </message>
    <message>
        <source>No training at all: the encoder keeps its random initial weights. Random convolutional features are surprisingly good for k-NN on simple images (about 72-78% on Fashion-MNIST), so a self-supervised method has to beat this number to show that it learned anything.</source>
        <translation>完全不训练：编码器保持其随机初始权重。随机卷积特征在简单图像上做 k-NN 的效果出奇地好（在 Fashion-MNIST 上约 72-78%），因此自监督方法必须超过这个数字，才能说明它确实学到了东西。</translation>
    </message>
    <message>
        <source>the floor every method is compared with</source>
        <translation>所有方法都要与之比较的下限</translation>
    </message>
    <message>
        <source>Rotation prediction (RotNet)</source>
        <translation>旋转预测（RotNet）</translation>
    </message>
    <message>
        <source>Every image is shown rotated by 0, 90, 180 and 270 degrees, and the network must say which rotation it sees. To do that it has to recognise what the object is and which way is up (shoes stand on their soles, shirts hang from the collar), so its middle layers learn object parts without any label.</source>
        <translation>每张图像分别旋转 0、90、180 和 270 度后展示给网络，网络必须说出它看到的是哪种旋转。为此它必须认出物体是什么、哪边朝上（鞋子立在鞋底上，衬衫从领口挂下来），因此其中间层无需任何标签就学到了物体的部件。</translation>
    </message>
    <message>
        <source>Gidaris, Singh &amp; Komodakis 2018, Unsupervised Representation Learning by Predicting Image Rotations</source>
        <translation>Gidaris, Singh &amp; Komodakis 2018, Unsupervised Representation Learning by Predicting Image Rotations</translation>
    </message>
    <message>
        <source>SimCLR</source>
        <translation>SimCLR</translation>
    </message>
    <message>
        <source>Two random augmentations of the same image form a positive pair; the other 2N-2 views in the batch are negatives. A projection head maps features to a sphere where the NT-Xent loss pulls positives together and pushes negatives apart, so the encoder learns what survives cropping, colour changes and blur.</source>
        <translation>同一张图像的两次随机增强构成正样本对；批次中其余 2N-2 个视图是负样本。投影头把特征映射到一个球面上，NT-Xent 损失在球面上拉近正样本、推远负样本，于是编码器学到的是经过裁剪、颜色变化和模糊后仍然保留的信息。</translation>
    </message>
    <message>
        <source>Chen, Kornblith, Norouzi &amp; Hinton 2020, A Simple Framework for Contrastive Learning of Visual Representations</source>
        <translation>Chen, Kornblith, Norouzi &amp; Hinton 2020, A Simple Framework for Contrastive Learning of Visual Representations</translation>
    </message>
    <message>
        <source>SimSiam</source>
        <translation>SimSiam</translation>
    </message>
    <message>
        <source>Two augmented views go through the same encoder and projector; a small predictor MLP on one branch must output the other branch&apos;s projection. Unlike BYOL there is no moving-average target: the other branch is the same network, and only a stop-gradient on it keeps the two from collapsing to a constant output (the paper shows that without it the features collapse at once). Agreeing across crops and colour changes teaches features of the object itself.</source>
        <translation>两个增强视图经过同一个编码器和投影头；一个分支上的小型预测头 MLP 必须输出另一个分支的投影。与 BYOL 不同，这里没有滑动平均的目标网络：另一个分支就是同一个网络，只靠对它施加的停止梯度来防止两者坍缩成常数输出（论文表明去掉它特征会立即坍缩）。在不同裁剪和颜色变化之间保持一致，使网络学到物体本身的特征。</translation>
    </message>
    <message>
        <source>Chen &amp; He 2021, Exploring Simple Siamese Representation Learning</source>
        <translation>Chen &amp; He 2021, Exploring Simple Siamese Representation Learning</translation>
    </message>
    <message>
        <source>Supervised</source>
        <translation>有监督</translation>
    </message>
    <message>
        <source>A linear classifier on the encoder&apos;s pooled features, trained with the true labels and cross-entropy. It is the upper reference: self-supervised methods try to come close to it without ever seeing a label.</source>
        <translation>在编码器的池化特征上接一个线性分类器，用真实标签和交叉熵训练。它是上限参照：自监督方法力求在从不看标签的情况下接近它。</translation>
    </message>
    <message>
        <source>the ceiling: training with the labels</source>
        <translation>上限：使用标签训练</translation>
    </message>
    <message>
        <source>SwAV</source>
        <translation>SwAV</translation>
    </message>
    <message>
        <source>A set of trainable prototype vectors acts as cluster centres on the unit sphere. For each view, the Sinkhorn-Knopp algorithm turns its similarities to the prototypes into soft cluster codes that use all prototypes equally over the batch (which rules out putting every image in one cluster). Each view must then predict the code of the other view from its own features: swapping the codes makes the features invariant to the augmentation while clustering the data online. Two views of equal size only: the paper&apos;s multi-crop (extra small crops) is left out.</source>
        <translation>一组可训练的原型向量充当单位球面上的聚类中心。对每个视图，Sinkhorn-Knopp 算法把它与各原型的相似度转换成软聚类编码，并使整个批次均匀地使用所有原型（从而避免把所有图像都放进同一个簇）。然后每个视图必须由自己的特征预测另一个视图的编码：交换编码让特征对数据增强保持不变，同时在线地对数据聚类。这里只用两个同样大小的视图：论文中的多裁剪（额外的小裁剪）没有采用。</translation>
    </message>
    <message>
        <source>Caron, Misra, Mairal, Goyal, Bojanowski &amp; Joulin 2020, Unsupervised Learning of Visual Features by Contrasting Cluster Assignments</source>
        <translation>Caron, Misra, Mairal, Goyal, Bojanowski &amp; Joulin 2020, Unsupervised Learning of Visual Features by Contrasting Cluster Assignments</translation>
    </message>
</context>
<context>
    <name>OptionNames</name>
    <message>
        <source>bottleneck</source>
        <translation>瓶颈维度</translation>
    </message>
    <message>
        <source>center-momentum</source>
        <translation>中心动量</translation>
    </message>
    <message>
        <source>clusters</source>
        <translation>簇数</translation>
    </message>
    <message>
        <source>decoder-depth</source>
        <translation>解码器深度</translation>
    </message>
    <message>
        <source>decoder-dim</source>
        <translation>解码器宽度</translation>
    </message>
    <message>
        <source>decoder-heads</source>
        <translation>解码器注意力头数</translation>
    </message>
    <message>
        <source>dim</source>
        <translation>嵌入维度</translation>
    </message>
    <message>
        <source>epsilon</source>
        <translation>ε（熵正则化）</translation>
    </message>
    <message>
        <source>freeze-steps</source>
        <translation>原型冻结步数</translation>
    </message>
    <message>
        <source>global-scale</source>
        <translation>全局裁剪比例</translation>
    </message>
    <message>
        <source>grid</source>
        <translation>颜色区间边长</translation>
    </message>
    <message>
        <source>hidden</source>
        <translation>隐藏层宽度</translation>
    </message>
    <message>
        <source>kmeans-iters</source>
        <translation>k-means 迭代次数</translation>
    </message>
    <message>
        <source>lambda</source>
        <translation>λ（非对角项权重）</translation>
    </message>
    <message>
        <source>local-crops</source>
        <translation>局部裁剪数</translation>
    </message>
    <message>
        <source>local-scale</source>
        <translation>局部裁剪比例</translation>
    </message>
    <message>
        <source>local-size</source>
        <translation>局部裁剪边长</translation>
    </message>
    <message>
        <source>mask</source>
        <translation>遮挡方式</translation>
    </message>
    <message>
        <source>mask-fraction</source>
        <translation>遮挡面积比例</translation>
    </message>
    <message>
        <source>mask-ratio</source>
        <translation>掩码比例</translation>
    </message>
    <message>
        <source>momentum</source>
        <translation>动量</translation>
    </message>
    <message>
        <source>negatives</source>
        <translation>负样本数</translation>
    </message>
    <message>
        <source>norm-pix</source>
        <translation>像素归一化</translation>
    </message>
    <message>
        <source>out-dim</source>
        <translation>输出维度</translation>
    </message>
    <message>
        <source>patch</source>
        <translation>图像块比例</translation>
    </message>
    <message>
        <source>patch-resize</source>
        <translation>图像块缩放边长</translation>
    </message>
    <message>
        <source>pca</source>
        <translation>PCA 维数</translation>
    </message>
    <message>
        <source>permutations</source>
        <translation>排列数</translation>
    </message>
    <message>
        <source>pred-hidden</source>
        <translation>预测头隐藏层宽度</translation>
    </message>
    <message>
        <source>proj-dim</source>
        <translation>投影维度</translation>
    </message>
    <message>
        <source>prototypes</source>
        <translation>原型数</translation>
    </message>
    <message>
        <source>queue</source>
        <translation>队列长度</translation>
    </message>
    <message>
        <source>scale</source>
        <translation>损失缩放</translation>
    </message>
    <message>
        <source>sinkhorn-iters</source>
        <translation>Sinkhorn 迭代次数</translation>
    </message>
    <message>
        <source>soft-k</source>
        <translation>软编码近邻数</translation>
    </message>
    <message>
        <source>stage</source>
        <translation>编码器阶段</translation>
    </message>
    <message>
        <source>student-temp</source>
        <translation>学生温度</translation>
    </message>
    <message>
        <source>teacher-temp</source>
        <translation>教师温度</translation>
    </message>
    <message>
        <source>temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>tile</source>
        <translation>拼图块比例</translation>
    </message>
    <message>
        <source>tile-norm</source>
        <translation>拼图块归一化</translation>
    </message>
    <message>
        <source>tile-resize</source>
        <translation>拼图块缩放边长</translation>
    </message>
    <message>
        <source>visible-weight</source>
        <translation>可见像素权重</translation>
    </message>
</context>
<context>
    <name>Presets</name>
    <message>
        <source>Rotation vs random init</source>
        <translation>旋转预测 vs 随机初始化</translation>
    </message>
    <message>
        <source>Can predicting how an image is rotated teach a network what clothes look like? Random weights are already a strong baseline on Fashion-MNIST (about 75% k-NN accuracy), so the first run measures them; the second trains rotation prediction on 10,000 images. Watch the k-NN chart: the middle layer (conv3) climbs above the random line within the first epoch, because telling a boot from its upside-down copy needs shapes and parts, not pixels.</source>
        <translation>预测图像被旋转了多少度，能否教会网络衣服长什么样？随机权重在 Fashion-MNIST 上已经是很强的基线（k-NN 准确率约 75%），所以第一次运行先测量它；第二次在 10,000 张图像上训练旋转预测。请观察 k-NN 曲线：中间层（conv3）在第一个轮次内就会超过随机初始化的水平线，因为要分辨一只靴子和它倒过来的样子，需要的是形状和部件，而不是像素。</translation>
    </message>
    <message>
        <source>random init (conv3)</source>
        <translation>随机初始化（conv3）</translation>
    </message>
    <message>
        <source>rotation (conv3)</source>
        <translation>旋转预测（conv3）</translation>
    </message>
    <message>
        <source>SimCLR: watch it learn</source>
        <translation>SimCLR：看它如何学习</translation>
    </message>
    <message>
        <source>SimCLR never sees a label: it only learns that two augmented views of one image belong together and views of other images do not. Watch the contrastive loss fall and the k-NN accuracy (a classifier that only looks up the nearest training images in feature space) rise above the random-init starting point, epoch after epoch, on 10,000 images.</source>
        <translation>SimCLR 从不看标签：它只学习同一张图像的两个增强视图属于一起，而其他图像的视图不属于。在 10,000 张图像上，请观察对比损失一轮轮下降，k-NN 准确率（一种只在特征空间中查找最近训练图像的分类器）超过随机初始化的起点并不断上升。</translation>
    </message>
    <message>
        <source>SimCLR</source>
        <translation>SimCLR</translation>
    </message>
    <message>
        <source>What augmentations matter</source>
        <translation>哪些数据增强重要</translation>
    </message>
    <message>
        <source>The views decide what SimCLR learns. The first run uses only crops and flips; the second the full recipe with colour jitter and blur. The two k-NN curves side by side show how much the choice of augmentations matters (SimCLR&apos;s Figure 5 makes the same point on ImageNet). Try your own mix in the Augmentations panel afterwards.</source>
        <translation>视图决定了 SimCLR 学到什么。第一次运行只用裁剪和翻转；第二次使用包含颜色抖动和模糊的完整配方。并排的两条 k-NN 曲线显示了数据增强的选择有多重要（SimCLR 论文的图 5 在 ImageNet 上说明了同样的道理）。之后可以在“数据增强”面板中尝试你自己的组合。</translation>
    </message>
    <message>
        <source>crop + flip</source>
        <translation>裁剪 + 翻转</translation>
    </message>
    <message>
        <source>full SimCLR recipe</source>
        <translation>完整的 SimCLR 配方</translation>
    </message>
    <message>
        <source>Watch the filters form</source>
        <translation>观察滤波器的形成</translation>
    </message>
    <message>
        <source>The first layer of a network starts as random noise. Here SimCLR trains a ConvNet with a larger first layer (7×7 filters) on the colour shapes, in small batches with a high learning rate, so that the filters get many updates in little time. Watch the Filters panel: within a minute or two the noisy tiles turn into smooth colour blobs and oriented edges, the chart shows their edge-likeness rising well above the random start, and the bar on each filter shows how far it moved. Tick “Compare with the start” to see before and after side by side.</source>
        <translation>网络的第一层一开始只是随机噪声。这里用 SimCLR 在彩色形状数据集上训练一个第一层更大（7×7 滤波器）的卷积网络，采用小批量和较高的学习率，让滤波器在短时间内得到大量更新。请观察“滤波器”面板：一两分钟之内，噪声般的小块会变成平滑的色块和有方向的边缘；图表显示它们的边缘度远高于随机初始值，每个滤波器上的橙色条显示它移动了多远。勾选“与初始状态比较”可以并排查看训练前后。</translation>
    </message>
    <message>
        <source>SimCLR, 7×7 first layer</source>
        <translation>SimCLR，7×7 第一层</translation>
    </message>
    <message>
        <source>Filters on clothes</source>
        <translation>服装上的滤波器</translation>
    </message>
    <message>
        <source>The same lesson on Fashion-MNIST: clothes are made of edges (collars, sleeves, soles, stripes). SimCLR trains a ConvNet with a 9×9 first layer on 6,000 images, in small batches with a high learning rate. On a 2-core laptop CPU the filters turned more edge-like within two minutes than on the colour shapes (edge-likeness about 0.4 after 20 steps, from 0.13 at the random start): gray light and dark bars with a direction, where the shapes give colour blobs. Tick “Compare with the start” in the Filters panel to see before and after side by side.</source>
        <translation>同一堂课换成 Fashion-MNIST：服装由边缘构成（领口、袖子、鞋底、条纹）。SimCLR 在 6,000 张图像上训练一个第一层为 9×9 的卷积网络，采用小批量和较高的学习率。在双核笔记本 CPU 上，两分钟之内滤波器就比在彩色形状上更像边缘（20 步后边缘度约 0.4，随机初始时为 0.13）：形状数据集得到的是色块，这里得到的是有方向的灰色明暗条纹。在“滤波器”面板中勾选“与初始状态比较”，即可并排查看训练前后。</translation>
    </message>
    <message>
        <source>SimCLR, 9×9 first layer</source>
        <translation>SimCLR，9×9 第一层</translation>
    </message>
</context>
<context>
    <name>PresetsPanel</name>
    <message>
        <source>Run this experiment</source>
        <translation>运行此实验</translation>
    </message>
    <message>
        <source>Loads the dataset if needed and trains the runs one after another in the Training panel</source>
        <translation>必要时加载数据集，并在“训练”面板中依次训练各次运行</translation>
    </message>
    <message>
        <source>No experiment presets were found.</source>
        <translation>未找到实验预设。</translation>
    </message>
    <message>
        <source>%1 epochs</source>
        <translation>%1 个轮次</translation>
    </message>
    <message>
        <source>%L1 images</source>
        <translation>%L1 张图像</translation>
    </message>
    <message>
        <source>augmentation: %1</source>
        <translation>数据增强：%1</translation>
    </message>
    <message>
        <source>k-NN on %1</source>
        <translation>在 %1 上做 k-NN</translation>
    </message>
    <message>
        <source>Dataset:</source>
        <translation>数据集：</translation>
    </message>
    <message>
        <source> (%1)</source>
        <translation>（%1）</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <source>custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>first layer %1×%2</source>
        <translation>第一层 %1×%2</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>it was trained on %1, the first run on %2: they have different test images</source>
        <translation>它在 %1 上训练，而第一次运行在 %2 上：两者的测试图像不同</translation>
    </message>
    <message>
        <source>checkpoint</source>
        <translation>检查点</translation>
    </message>
    <message>
        <source>checkpoint at epoch %1, step %2</source>
        <translation>第 %1 轮、第 %2 步的检查点</translation>
    </message>
    <message>
        <source>checkpoint after epoch %1</source>
        <translation>第 %1 轮结束后的检查点</translation>
    </message>
    <message>
        <source>checkpoint before training</source>
        <translation>训练前的检查点</translation>
    </message>
    <message>
        <source>Wheel: zoom · drag: pan · double-click: follow the data again · right-click: export</source>
        <translation>滚轮：缩放 · 拖动：平移 · 双击：重新跟随数据 · 右键：导出</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 小时</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>The run folder (hover a name for its path)</source>
        <translation>运行文件夹（悬停在名称上可查看路径）</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>The self-supervised method trained</source>
        <translation>所训练的自监督方法</translation>
    </message>
    <message>
        <source>Backbone</source>
        <translation>骨干网络</translation>
    </message>
    <message>
        <source>The encoder&apos;s architecture</source>
        <translation>编码器的结构</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>The dataset the run trained on</source>
        <translation>该运行所用的训练数据集</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <source>Epochs the run was configured for</source>
        <translation>该运行配置的训练轮数</translation>
    </message>
    <message>
        <source>k-NN
@20</source>
        <translation>k-NN
@20</translation>
    </message>
    <message>
        <source>Weighted k-NN accuracy with k = 20 on the pooled features (test split)</source>
        <translation>在池化特征上 k = 20 的加权 k-NN 准确率（测试集）</translation>
    </message>
    <message>
        <source>k-NN
@200</source>
        <translation>k-NN
@200</translation>
    </message>
    <message>
        <source>Weighted k-NN accuracy with k = 200 on the pooled features (the training monitor&apos;s last value when no evaluation measured it)</source>
        <translation>在池化特征上 k = 200 的加权 k-NN 准确率（未做评估时取训练监测的最后一个值）</translation>
    </message>
    <message>
        <source>Linear
%1</source>
        <translation>线性评估
%1</translation>
    </message>
    <message>
        <source>Linear probe accuracy on the frozen features of %1 (test split)</source>
        <translation>在 %1 的冻结特征上的线性评估准确率（测试集）</translation>
    </message>
    <message>
        <source>Fine-tune
1%</source>
        <translation>微调
1%</translation>
    </message>
    <message>
        <source>Accuracy after fine-tuning end to end on 1% of the labels</source>
        <translation>用 1% 的标签端到端微调后的准确率</translation>
    </message>
    <message>
        <source>Fine-tune
10%</source>
        <translation>微调
10%</translation>
    </message>
    <message>
        <source>Accuracy after fine-tuning end to end on 10% of the labels</source>
        <translation>用 10% 的标签端到端微调后的准确率</translation>
    </message>
    <message>
        <source>Retrieval
mAP</source>
        <translation>检索
mAP</translation>
    </message>
    <message>
        <source>Mean average precision of nearest-neighbour retrieval (test queries, training database)</source>
        <translation>最近邻检索的平均精度均值（测试图像作查询，训练图像作数据库）</translation>
    </message>
    <message>
        <source>Training
time</source>
        <translation>训练
用时</translation>
    </message>
    <message>
        <source>Time spent training (all epochs)</source>
        <translation>训练所用时间（全部轮次）</translation>
    </message>
    <message>
        <source>img/s</source>
        <translation>图像/秒</translation>
    </message>
    <message>
        <source>Training throughput, images per second</source>
        <translation>训练吞吐量，每秒图像数</translation>
    </message>
    <message>
        <source>it was trained on %1, the first run on %2: they have different test images (an image of your own can be compared)</source>
        <translation>它在 %1 上训练，第一个运行在 %2 上：两者的测试图像不同（可以比较你自己的图像）</translation>
    </message>
</context>
<context>
    <name>ResultsPanel</name>
    <message>
        <source>Click a header to sort · double-click a run to inspect it · Delete removes the selected rows</source>
        <translation>点击表头排序 · 双击某次运行进行查看 · 按 Delete 删除所选行</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>&lt;h3&gt;No runs in the table yet&lt;/h3&gt;&lt;p&gt;Runs trained in the Training panel appear here at their first checkpoint.&lt;/p&gt;&lt;p&gt;To compare earlier runs, use &lt;b&gt;Add run folder…&lt;/b&gt; for one run, or &lt;b&gt;Scan folder…&lt;/b&gt; on a folder of runs (such as &lt;tt&gt;runs/&lt;/tt&gt;): every subfolder with a &lt;tt&gt;config.json&lt;/tt&gt; becomes a row.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;表中还没有运行&lt;/h3&gt;&lt;p&gt;在“训练”面板中训练的运行会在其第一个检查点时出现在这里。&lt;/p&gt;&lt;p&gt;要比较以前的运行，可用&lt;b&gt;添加运行文件夹…&lt;/b&gt;添加单个运行，或对存放运行的文件夹（如 &lt;tt&gt;runs/&lt;/tt&gt;）使用&lt;b&gt;扫描文件夹…&lt;/b&gt;：每个含有 &lt;tt&gt;config.json&lt;/tt&gt; 的子文件夹成为一行。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Add run folder…</source>
        <translation>添加运行文件夹…</translation>
    </message>
    <message>
        <source>Add one run folder (a folder with a config.json) to the table</source>
        <translation>将一个运行文件夹（含 config.json 的文件夹）添加到表中</translation>
    </message>
    <message>
        <source>Scan folder…</source>
        <translation>扫描文件夹…</translation>
    </message>
    <message>
        <source>Add every subfolder with a config.json, e.g. the runs/ folder</source>
        <translation>添加每个含 config.json 的子文件夹，例如 runs/ 文件夹</translation>
    </message>
    <message>
        <source>Remove the selected rows from the table (the folders stay on disk)</source>
        <translation>从表中移除所选行（文件夹仍保留在磁盘上）</translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>Measure k-NN accuracy (k = 20 and 200) and a linear probe on the pooled features of the selected runs&apos; last checkpoints; the results are saved in each run&apos;s eval.json</source>
        <translation>在所选运行最后一个检查点的池化特征上测量 k-NN 准确率（k = 20 和 200）和线性评估；结果保存在各运行的 eval.json 中</translation>
    </message>
    <message>
        <source>Inspect</source>
        <translation>查看</translation>
    </message>
    <message>
        <source>Show the selected run in the inspection panels (or double-click its row)</source>
        <translation>在查看面板中显示所选运行（或双击该行）</translation>
    </message>
    <message>
        <source>Resume training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <source>Continue training the selected run from its last checkpoint in the Training panel</source>
        <translation>在“训练”面板中从最后一个检查点继续训练所选运行</translation>
    </message>
    <message>
        <source>Copy as Markdown</source>
        <translation>复制为 Markdown</translation>
    </message>
    <message>
        <source>Copy the table, in the order shown, as a Markdown table</source>
        <translation>按显示顺序将表格复制为 Markdown 表格</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Save the table as CSV (accuracies as fractions in [0, 1])</source>
        <translation>将表格保存为 CSV（准确率为 [0, 1] 中的小数）</translation>
    </message>
    <message>
        <source>Export Markdown…</source>
        <translation>导出 Markdown…</translation>
    </message>
    <message>
        <source>Save the table as a Markdown file (accuracies in percent)</source>
        <translation>将表格保存为 Markdown 文件（准确率为百分数）</translation>
    </message>
    <message>
        <source>Added %1.</source>
        <translation>已添加 %1。</translation>
    </message>
    <message>
        <source>No run folders (folders with a config.json) in %1.</source>
        <translation>%1 中没有运行文件夹（含 config.json 的文件夹）。</translation>
    </message>
    <message>
        <source>No new runs in %1.</source>
        <translation>%1 中没有新的运行。</translation>
    </message>
    <message>
        <source>Added 1 run from %1.</source>
        <translation>已从 %1 添加 1 次运行。</translation>
    </message>
    <message>
        <source>Added %1 runs from %2.</source>
        <translation>已从 %2 添加 %1 次运行。</translation>
    </message>
    <message>
        <source>Removed %1 from the table.</source>
        <translation>已从表中移除 %1。</translation>
    </message>
    <message>
        <source>Removed %1 runs from the table.</source>
        <translation>已从表中移除 %1 次运行。</translation>
    </message>
    <message>
        <source>Not measured</source>
        <translation>未测量</translation>
    </message>
    <message>
        <source>Evaluating…</source>
        <translation>正在评估…</translation>
    </message>
    <message>
        <source>Copied the table as Markdown.</source>
        <translation>已将表格复制为 Markdown。</translation>
    </message>
    <message>
        <source>Evaluating %1 (k-NN, linear probe; %2 more waiting) …</source>
        <translation>正在评估 %1（k-NN、线性评估；还有 %2 个在等待）…</translation>
    </message>
    <message>
        <source>Evaluating %1 (k-NN, linear probe) …</source>
        <translation>正在评估 %1（k-NN、线性评估）…</translation>
    </message>
    <message>
        <source>Evaluated %1: k-NN@20 %2%, k-NN@200 %3%, linear probe (pooled) %4% — saved in eval.json.</source>
        <translation>已评估 %1：k-NN@20 %2%，k-NN@200 %3%，线性评估（池化）%4% —— 已保存到 eval.json。</translation>
    </message>
    <message>
        <source>Could not evaluate %1: %2</source>
        <translation>无法评估 %1：%2</translation>
    </message>
    <message>
        <source>Add a run folder</source>
        <translation>添加运行文件夹</translation>
    </message>
    <message>
        <source>Scan a folder of runs</source>
        <translation>扫描存放运行的文件夹</translation>
    </message>
    <message>
        <source>Export the results as Markdown</source>
        <translation>将结果导出为 Markdown</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <source>Export the results as CSV</source>
        <translation>将结果导出为 CSV</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Saved %1.</source>
        <translation>已保存 %1。</translation>
    </message>
    <message>
        <source>Could not write %1.</source>
        <translation>无法写入 %1。</translation>
    </message>
    <message>
        <source>Rows: true class · columns: predicted class · click a cell to see its test images</source>
        <translation>行：真实类别 · 列：预测类别 · 点击单元格查看其测试图像</translation>
    </message>
    <message>
        <source>Click a cell to see its test images.</source>
        <translation>点击单元格查看其测试图像。</translation>
    </message>
    <message>
        <source>The test images of a (true, predicted) pair, most confident first</source>
        <translation>某个（真实，预测）类别对的测试图像，置信度最高的在前</translation>
    </message>
    <message>
        <source>Evaluation of %1 cancelled; its eval.json is as it was.</source>
        <translation>已取消对 %1 的评估；其 eval.json 保持不变。</translation>
    </message>
    <message>
        <source>%1 has no confusion matrix yet: Evaluate it (or run pretext-cli eval --linear).</source>
        <translation>%1 还没有混淆矩阵：请评估它（或运行 pretext-cli eval --linear）。</translation>
    </message>
    <message>
        <source>Could not read the confusion matrix: %1</source>
        <translation>无法读取混淆矩阵：%1</translation>
    </message>
    <message>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>predicted: %1</source>
        <translation>预测：%1</translation>
    </message>
    <message>
        <source>%1 predicted as %2: %3 test images (%4% of the class)</source>
        <translation>%1 被预测为 %2：%3 张测试图像（占该类的 %4%）</translation>
    </message>
    <message>
        <source>Linear probe of %1 on %2 test images: %3% correct. Rows: true class, columns: predicted class; click a cell to see its images.</source>
        <translation>%1 的线性评估，共 %2 张测试图像：%3% 正确。行：真实类别，列：预测类别；点击单元格查看其图像。</translation>
    </message>
    <message>
        <source>%1, predicted right</source>
        <translation>%1，预测正确</translation>
    </message>
    <message>
        <source>%1 predicted as %2</source>
        <translation>%1 被预测为 %2</translation>
    </message>
    <message>
        <source>%1: %2 test images, the %3 most confident first</source>
        <translation>%1：%2 张测试图像，显示置信度最高的 %3 张</translation>
    </message>
    <message>
        <source>%1: %2 test images, most confident first</source>
        <translation>%1：%2 张测试图像，置信度最高的在前</translation>
    </message>
    <message>
        <source>test image #%1: %2 with %3% confidence</source>
        <translation>测试图像 #%1：以 %3% 的置信度预测为 %2</translation>
    </message>
    <message>
        <source>Could not load the images: %1</source>
        <translation>无法加载图像：%1</translation>
    </message>
    <message>
        <source>The run has several confusion matrices: the linear probe&apos;s and fine-tuning&apos;s</source>
        <translation>该运行有多个混淆矩阵：线性评估的和微调的</translation>
    </message>
    <message>
        <source>Fine-tuning, %1% of the labels</source>
        <translation>微调，%1% 的标签</translation>
    </message>
    <message>
        <source>Linear probe</source>
        <translation>线性评估</translation>
    </message>
    <message>
        <source>Fine-tuning of %1 with %2% of the labels, on %3 test images: %4% correct. Rows: true class, columns: predicted class; click a cell to see its images.</source>
        <translation>%1 用 %2% 的标签微调，共 %3 张测试图像：%4% 正确。行：真实类别，列：预测类别；点击单元格查看其图像。</translation>
    </message>
</context>
<context>
    <name>RetrievalPanel</name>
    <message>
        <source>Number of nearest training images shown for a query</source>
        <translation>每个查询显示的最近邻训练图像数量</translation>
    </message>
    <message>
        <source>Other queries</source>
        <translation>换一批查询</translation>
    </message>
    <message>
        <source>Draw other test images as queries (a few of each class)</source>
        <translation>另取一批测试图像作为查询（每类几张）</translation>
    </message>
    <message>
        <source>Measure P@K over the test split</source>
        <translation>在测试集上测量 P@K</translation>
    </message>
    <message>
        <source>Mean precision@K with every test image as a query, and the mean average precision over the full ranking. Costs a similarity row and a sort per test image.</source>
        <translation>以每张测试图像作为查询的平均 precision@K，以及在完整排序上的平均精度均值（mAP）。每张测试图像需计算一行相似度并排序一次。</translation>
    </message>
    <message>
        <source>Save PNG…</source>
        <translation>保存 PNG…</translation>
    </message>
    <message>
        <source>Save the query and its neighbours as a PNG image</source>
        <translation>将查询及其近邻保存为 PNG 图像</translation>
    </message>
    <message>
        <source>Neighbours K:</source>
        <translation>近邻数 K：</translation>
    </message>
    <message>
        <source>No run: train one, or open a run folder</source>
        <translation>没有运行：请训练一个，或打开一个运行文件夹</translation>
    </message>
    <message>
        <source>Queries (test images): click one</source>
        <translation>查询（测试图像）：点击其中一张</translation>
    </message>
    <message>
        <source>Click a query to see its nearest training images</source>
        <translation>点击一个查询，查看与其最近邻的训练图像</translation>
    </message>
    <message>
        <source>The query and its nearest training images (cosine similarity of the pooled features); another class is framed in red</source>
        <translation>查询及其最近邻的训练图像（池化特征的余弦相似度）；类别不同的用红框标出</translation>
    </message>
    <message>
        <source>Mean P@%1 over the test split: not measured yet.</source>
        <translation>测试集上的平均 P@%1：尚未测量。</translation>
    </message>
    <message>
        <source>unlabelled</source>
        <translation>无标签</translation>
    </message>
    <message>
        <source>class %1</source>
        <translation>类别 %1</translation>
    </message>
    <message>
        <source>Loading the test images…</source>
        <translation>正在加载测试图像…</translation>
    </message>
    <message>
        <source>A newer checkpoint was written: measure again.</source>
        <translation>已写入更新的检查点：请重新测量。</translation>
    </message>
    <message>
        <source>Test image #%1 (%2): click to see its neighbours</source>
        <translation>测试图像 #%1（%2）：点击查看其近邻</translation>
    </message>
    <message>
        <source>query: %1</source>
        <translation>查询：%1</translation>
    </message>
    <message>
        <source>Query: test image #%1 (%2)</source>
        <translation>查询：测试图像 #%1（%2）</translation>
    </message>
    <message>
        <source>#%1: training image #%2 (%3)
cosine similarity %4</source>
        <translation>#%1：训练图像 #%2（%3）
余弦相似度 %4</translation>
    </message>
    <message>
        <source>
not the query&apos;s class (%1)</source>
        <translation>
与查询的类别不同（%1）</translation>
    </message>
    <message>
        <source>&lt;b&gt;P@%1 for this query: %2&lt;/b&gt; (%3 of %1 neighbours are %4; %5 framed in red)</source>
        <translation>&lt;b&gt;此查询的 P@%1：%2&lt;/b&gt;（%1 个近邻中有 %3 个是%4；%5 个用红框标出）</translation>
    </message>
    <message>
        <source>Test image #%1: its %2 nearest training images in %3 s.</source>
        <translation>测试图像 #%1：其 %2 个最近邻训练图像，用时 %3 秒。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Mean P@%1 over the test split: %2&lt;/b&gt; (%3 queries against %4 training images; mAP over the full ranking %5)</source>
        <translation>&lt;b&gt;测试集上的平均 P@%1：%2&lt;/b&gt;（%3 个查询，对照 %4 张训练图像；完整排序上的 mAP 为 %5）</translation>
    </message>
    <message>
        <source>Could not measure P@K: %1</source>
        <translation>无法测量 P@K：%1</translation>
    </message>
    <message>
        <source>Measuring P@%1 with each of the %2 test images as a query…</source>
        <translation>正在以 %2 张测试图像逐一作为查询测量 P@%1…</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>%1 · query: test image #%2 (%3) · P@%4 = %5</source>
        <translation>%1 · 查询：测试图像 #%2（%3）· P@%4 = %5</translation>
    </message>
    <message>
        <source>Save retrieval gallery</source>
        <translation>保存检索结果图</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Open image…</source>
        <translation>打开图像…</translation>
    </message>
    <message>
        <source>Use an image of your own as the query: it is converted to the dataset&apos;s channels and size as the dataset&apos;s images were made. You can also drop an image file on the panel or paste an image with Ctrl+V.</source>
        <translation>用你自己的图像作为查询：它会按数据集图像的制作方式转换为数据集的通道数和尺寸。也可以把图像文件拖放到面板上，或用 Ctrl+V 粘贴图像。</translation>
    </message>
    <message>
        <source>Compare with…</source>
        <translation>与…比较</translation>
    </message>
    <message>
        <source>Show the neighbours of the same query under a second run folder, beside these</source>
        <translation>在旁边显示同一查询在第二个运行文件夹下的近邻</translation>
    </message>
    <message>
        <source>Close comparison</source>
        <translation>关闭比较</translation>
    </message>
    <message>
        <source>Click a neighbour to see which regions make it similar to the query</source>
        <translation>点击一个近邻，查看哪些区域使它与查询相似</translation>
    </message>
    <message>
        <source>Why are they neighbours?</source>
        <translation>它们为什么是近邻？</translation>
    </message>
    <message>
        <source>Click a query to see its neighbours under both runs</source>
        <translation>点击一个查询，查看它在两个运行下的近邻</translation>
    </message>
    <message>
        <source>%1 test images, %2 training images. Click a query, or use an image of your own.</source>
        <translation>%1 张测试图像，%2 张训练图像。点击一个查询，或使用你自己的图像。</translation>
    </message>
    <message>
        <source>&lt;b&gt;That is not an image Pretext can read.&lt;/b&gt;</source>
        <translation>&lt;b&gt;这不是 Pretext 能读取的图像。&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Open an image as the query</source>
        <translation>打开一张图像作为查询</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)</translation>
    </message>
    <message>
        <source>pasted image</source>
        <translation>粘贴的图像</translation>
    </message>
    <message>
        <source>The clipboard holds no image to use as the query.</source>
        <translation>剪贴板中没有可作为查询的图像。</translation>
    </message>
    <message>
        <source>dropped image</source>
        <translation>拖放的图像</translation>
    </message>
    <message>
        <source>your image</source>
        <translation>你的图像</translation>
    </message>
    <message>
        <source>Your image (%1) as the encoder sees it: %2x%3, converted as the dataset&apos;s images were made</source>
        <translation>编码器看到的你的图像（%1）：%2x%3，按数据集图像的制作方式转换</translation>
    </message>
    <message>
        <source>Click: why is it a neighbour?</source>
        <translation>点击：它为什么是近邻？</translation>
    </message>
    <message>
        <source>%1 · P@%2 = %3</source>
        <translation>%1 · P@%2 = %3</translation>
    </message>
    <message>
        <source>Your image has no class, so there is no P@%1 to count.</source>
        <translation>你的图像没有类别，因此无法计算 P@%1。</translation>
    </message>
    <message>
        <source>%1: its %2 nearest training images in %3 s.</source>
        <translation>%1：%3 秒内找到其 %2 个最近的训练图像。</translation>
    </message>
    <message>
        <source>test image #%1</source>
        <translation>测试图像 #%1</translation>
    </message>
    <message>
        <source>Finding the neighbours of %1… The first query on a checkpoint extracts the features of all %2 training and %3 test images once: seconds on a GPU, a minute or more on a busy CPU. Later queries are quick.</source>
        <translation>正在查找 %1 的近邻… 每个检查点的第一次查询会一次性提取全部 %2 张训练图像和 %3 张测试图像的特征：在 GPU 上只需数秒，在繁忙的 CPU 上需要一分钟或更久。之后的查询很快。</translation>
    </message>
    <message>
        <source>Finding the neighbours of %1…</source>
        <translation>正在查找 %1 的近邻…</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Finding the neighbours under %1…</source>
        <translation>正在 %1 下查找近邻…</translation>
    </message>
    <message>
        <source>Compare with another…</source>
        <translation>与另一个比较…</translation>
    </message>
    <message>
        <source>Compare with the run folder</source>
        <translation>与该运行文件夹比较</translation>
    </message>
    <message>
        <source>query</source>
        <translation>查询</translation>
    </message>
    <message>
        <source>neighbour #%1</source>
        <translation>近邻 #%1</translation>
    </message>
    <message>
        <source>Where the query&apos;s activations raise the similarity</source>
        <translation>查询的激活在哪些位置提高了相似度</translation>
    </message>
    <message>
        <source>Where training image #%1&apos;s activations raise the similarity</source>
        <translation>训练图像 #%1 的激活在哪些位置提高了相似度</translation>
    </message>
    <message>
        <source>&lt;b&gt;Cosine similarity %1&lt;/b&gt; of the query and training image #%2 under %3. Bright: the regions whose activations at %4 raise the similarity of the two embeddings (its gradient, weighted per channel as Grad-CAM weights it; no labels, no classifier).</source>
        <translation>&lt;b&gt;余弦相似度 %1&lt;/b&gt;：查询与训练图像 #%2 在 %3 下的相似度。亮处：%4 的激活提高两个嵌入相似度的区域（相似度的梯度，按 Grad-CAM 的方式逐通道加权；不需要标签，也不需要分类器）。</translation>
    </message>
    <message>
        <source> The two embeddings coincide: nothing can raise their similarity, so the maps are flat.</source>
        <translation> 两个嵌入重合：没有什么能再提高它们的相似度，因此热图是平的。</translation>
    </message>
    <message>
        <source>Computing why training image #%1 is a neighbour…</source>
        <translation>正在计算训练图像 #%1 为什么是近邻…</translation>
    </message>
    <message>
        <source>%1 · query: %2 (your image)</source>
        <translation>%1 · 查询：%2（你的图像）</translation>
    </message>
</context>
<context>
    <name>RunConfig</name>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
</context>
<context>
    <name>RunFollower</name>
    <message>
        <source>%1: skipped %2</source>
        <translation>%1：已跳过 %2</translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <source>Device: %1</source>
        <translation>设备：%1</translation>
    </message>
    <message>
        <source>%1  (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>ConvNet: channels of conv1 (later stages scale from it)</source>
        <translation>ConvNet：conv1 的通道数（后续阶段按此放大）</translation>
    </message>
    <message>
        <source>all images</source>
        <translation>全部图像</translation>
    </message>
    <message>
        <source>Train on the first N training images (quick demonstrations)</source>
        <translation>只用前 N 张训练图像训练（快速演示）</translation>
    </message>
    <message>
        <source>default</source>
        <translation>默认</translation>
    </message>
    <message>
        <source>Peak learning rate; default: 0.06 x batch/256 for SGD, 1e-3 x batch/256 for AdamW</source>
        <translation>峰值学习率；默认：SGD 为 0.06 × 批大小/256，AdamW 为 1e-3 × 批大小/256</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Run folder</source>
        <translation>运行文件夹</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Method:</source>
        <translation>方法：</translation>
    </message>
    <message>
        <source>Backbone:</source>
        <translation>骨干网络：</translation>
    </message>
    <message>
        <source>Width:</source>
        <translation>宽度：</translation>
    </message>
    <message>
        <source>Epochs:</source>
        <translation>轮数：</translation>
    </message>
    <message>
        <source>Batch size:</source>
        <translation>批大小：</translation>
    </message>
    <message>
        <source>Subset:</source>
        <translation>子集：</translation>
    </message>
    <message>
        <source>Learning rate:</source>
        <translation>学习率：</translation>
    </message>
    <message>
        <source>Run folder:</source>
        <translation>运行文件夹：</translation>
    </message>
    <message>
        <source>Method options</source>
        <translation>方法选项</translation>
    </message>
    <message>
        <source>What it learns</source>
        <translation>它学到了什么</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Start training (Ctrl+Return)</source>
        <translation>开始训练（Ctrl+Return）</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Pause or resume after the current batch</source>
        <translation>在当前批次结束后暂停或继续</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop after the current batch and write a checkpoint (Ctrl+.)</source>
        <translation>在当前批次结束后停止并写入检查点（Ctrl+.）</translation>
    </message>
    <message>
        <source>Resume run folder…</source>
        <translation>继续运行文件夹…</translation>
    </message>
    <message>
        <source>epoch %v</source>
        <translation>第 %v 轮</translation>
    </message>
    <message>
        <source>Ready.</source>
        <translation>就绪。</translation>
    </message>
    <message>
        <source>This method has no options.</source>
        <translation>此方法没有选项。</translation>
    </message>
    <message>
        <source>Loss:</source>
        <translation>损失函数：</translation>
    </message>
    <message>
        <source>Experiment run %1 of %2: %3 …</source>
        <translation>实验运行 %1/%2：%3 …</translation>
    </message>
    <message>
        <source>Starting %1 on %2 …</source>
        <translation>正在 %2 上启动 %1 …</translation>
    </message>
    <message>
        <source>Resume a run folder</source>
        <translation>继续一个运行文件夹</translation>
    </message>
    <message>
        <source>Resuming %1 …</source>
        <translation>正在继续 %1 …</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Paused.</source>
        <translation>已暂停。</translation>
    </message>
    <message>
        <source>Training …</source>
        <translation>正在训练 …</translation>
    </message>
    <message>
        <source>Stopping after this batch …</source>
        <translation>将在此批次后停止 …</translation>
    </message>
    <message>
        <source>epoch %1/%2 · step %3/%4</source>
        <translation>第 %1/%2 轮 · 第 %3/%4 步</translation>
    </message>
    <message>
        <source>loss %1 · %2 img/s · lr %3 · %4 left</source>
        <translation>损失 %1 · %2 图像/秒 · 学习率 %3 · 剩余 %4</translation>
    </message>
    <message>
        <source> · task accuracy %1%</source>
        <translation> · 任务准确率 %1%</translation>
    </message>
    <message>
        <source>Before training: k-NN accuracy %1%</source>
        <translation>训练前：k-NN 准确率 %1%</translation>
    </message>
    <message>
        <source>Epoch %1: k-NN accuracy %2%</source>
        <translation>第 %1 轮：k-NN 准确率 %2%</translation>
    </message>
    <message>
        <source> · k-NN accuracy %1%</source>
        <translation> · k-NN 准确率 %1%</translation>
    </message>
    <message>
        <source>Failed: </source>
        <translation>失败：</translation>
    </message>
    <message>
        <source>%1:</source>
        <translation>%1：</translation>
    </message>
    <message>
        <source>Finished %1 epochs</source>
        <translation>已完成 %1 个轮次</translation>
    </message>
    <message>
        <source>Evaluated without training</source>
        <translation>未训练，已直接评估</translation>
    </message>
    <message>
        <source>Stopped after %1 complete epochs; the checkpoint lets the run resume from here</source>
        <translation>已停止，完成了 %1 个完整轮次；可从检查点继续此运行</translation>
    </message>
    <message>
        <source>&lt;runs folder&gt;/&lt;method&gt;-&lt;dataset&gt;-&lt;time&gt; (default)</source>
        <translation>&lt;运行根文件夹&gt;/&lt;方法&gt;-&lt;数据集&gt;-&lt;时间&gt;（默认）</translation>
    </message>
    <message>
        <source>Each run without a run folder of its own goes into a new subfolder here (created when the first run starts)</source>
        <translation>未指定运行文件夹的每次运行都会在这里新建一个子文件夹（在第一次运行开始时创建）</translation>
    </message>
    <message>
        <source>Runs folder</source>
        <translation>运行根文件夹</translation>
    </message>
    <message>
        <source>Runs folder:</source>
        <translation>运行根文件夹：</translation>
    </message>
    <message>
        <source>Data-parallel training: more than 1 runs pretext-cli train --nproc N, each process on its share of every batch, and follows its run folder here</source>
        <translation>数据并行训练：大于 1 时运行 pretext-cli train --nproc N，每个进程处理每个批次中属于自己的一份，并在此跟随其运行文件夹</translation>
    </message>
    <message>
        <source>GPUs:</source>
        <translation>GPU 数：</translation>
    </message>
    <message>
        <source>Processes:</source>
        <translation>进程数：</translation>
    </message>
    <message>
        <source>Output of the training processes</source>
        <translation>训练进程的输出</translation>
    </message>
    <message>
        <source>%1 (restarted)</source>
        <translation>%1（重新开始）</translation>
    </message>
    <message>
        <source>Following %1: nothing new for %2; the run may have stopped</source>
        <translation>正在跟随 %1：已有 %2 没有新内容；该运行可能已停止</translation>
    </message>
    <message>
        <source>Stopping the processes after this batch …</source>
        <translation>将在本批次结束后停止各进程 …</translation>
    </message>
    <message>
        <source>Written by another process</source>
        <translation>由其他进程写入</translation>
    </message>
    <message>
        <source>waiting for metrics.csv</source>
        <translation>正在等待 metrics.csv</translation>
    </message>
    <message>
        <source>Following %1 …</source>
        <translation>正在跟随 %1 …</translation>
    </message>
    <message>
        <source>epoch %1/%2 · step %3</source>
        <translation>第 %1/%2 轮 · 第 %3 步</translation>
    </message>
    <message>
        <source>epoch %1 · step %2</source>
        <translation>第 %1 轮 · 第 %2 步</translation>
    </message>
    <message>
        <source>Following %1: loss %2 · %3 img/s · lr %4</source>
        <translation>正在跟随 %1：损失 %2 · %3 张/秒 · 学习率 %4</translation>
    </message>
    <message>
        <source>Stopped following %1 (the run itself goes on)</source>
        <translation>已停止跟随 %1（运行本身仍在继续）</translation>
    </message>
    <message>
        <source>training in %1 processes needs pretext-cli beside the window (%2) or on PATH</source>
        <translation>用 %1 个进程训练需要 pretext-cli 位于窗口程序旁（%2）或在 PATH 中</translation>
    </message>
    <message>
        <source>cannot write the configuration for pretext-cli (%1)</source>
        <translation>无法为 pretext-cli 写入配置（%1）</translation>
    </message>
    <message>
        <source>%1 ×%2</source>
        <translation>%1 ×%2</translation>
    </message>
    <message>
        <source>Device: %1 GPUs (pretext-cli)</source>
        <translation>设备：%1 块 GPU（pretext-cli）</translation>
    </message>
    <message>
        <source>Device: CPU, %1 processes (pretext-cli)</source>
        <translation>设备：CPU，%1 个进程（pretext-cli）</translation>
    </message>
    <message>
        <source>pretext-cli exited with status %1</source>
        <translation>pretext-cli 以状态 %1 退出</translation>
    </message>
    <message>
        <source>pretext-cli did not run to its end</source>
        <translation>pretext-cli 未能运行到结束</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Labelled images for what needs labels (the k-NN monitor, the linear probe, retrieval precision, class colours) when the training set has none, as STL-10 pairs its unlabelled images with labelled splits. Same image size as the training images; type a folder or prepared:DIR for one not listed</source>
        <translation>训练集没有标签时，用于需要标签的功能（k-NN 监测、线性评估、检索精度、类别颜色）的有标签图像，就像 STL-10 把无标签图像与有标签的划分配对。图像尺寸须与训练图像相同；不在列表中的可输入文件夹或 prepared:DIR</translation>
    </message>
    <message>
        <source>First layer:</source>
        <translation>第一层：</translation>
    </message>
    <message>
        <source>Evaluation data:</source>
        <translation>评估数据：</translation>
    </message>
    <message>
        <source>last checkpoint at step %1, resume with %2</source>
        <translation>最近的检查点在第 %1 步，可用 %2 继续训练</translation>
    </message>
    <message>
        <source>no checkpoint yet: start it again</source>
        <translation>尚无检查点：请重新开始</translation>
    </message>
    <message>
        <source>running (pid %1 on %2)</source>
        <translation>运行中（%2 上的进程 %1）</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>stopped at step %1</source>
        <translation>停在第 %1 步</translation>
    </message>
    <message>
        <source>failed at step %1</source>
        <translation>在第 %1 步失败</translation>
    </message>
    <message>
        <source>stopped at step %1: the process %2 on this host is gone without finishing (killed?)</source>
        <translation>停在第 %1 步：本机上的进程 %2 未完成便已消失（被终止？）</translation>
    </message>
    <message>
        <source>gone at step %1 (killed?)</source>
        <translation>在第 %1 步消失（被终止？）</translation>
    </message>
    <message>
        <source>no heartbeat from pid %1 for %2 s (the process is there: paused or hung?)</source>
        <translation>进程 %1 已 %2 秒没有心跳（进程仍在：被暂停或卡住？）</translation>
    </message>
    <message>
        <source>no heartbeat from %1 for %2 s</source>
        <translation>%1 已 %2 秒没有心跳</translation>
    </message>
    <message>
        <source>no heartbeat for %1 s</source>
        <translation>已 %1 秒没有心跳</translation>
    </message>
    <message>
        <source>writer record unreadable</source>
        <translation>无法读取写入者记录</translation>
    </message>
    <message>
        <source>Written by pid %1 on %2 (rank 0 of %3 processes)</source>
        <translation>由 %2 上的进程 %1 写入（%3 个进程中的 rank 0）</translation>
    </message>
    <message>
        <source>Written by pid %1 on %2</source>
        <translation>由 %2 上的进程 %1 写入</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>Following %1: %2</source>
        <translation>正在跟随 %1：%2</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>%1 has no labels. Without an evaluation dataset this run cannot show the k-NN monitor, the linear probe or class colours; it trains, and the retrieval galleries and the embedding (without colours) still work.</source>
        <translation>%1 没有标签。没有评估数据集时，本次运行无法显示 k-NN 监测、线性评估和类别颜色；训练照常进行，检索图库和嵌入（不带颜色）仍然可用。</translation>
    </message>
    <message>
        <source>ConvNet: side of the first layer&apos;s filters (--first-kernel). Larger filters (7×7, 9×9) show edges and colour blobs more clearly in the Filters panel; 5×5 is the default</source>
        <translation>ConvNet：第一层滤波器的边长（--first-kernel）。较大的滤波器（7×7、9×9）在“滤波器”面板中更清楚地显示边缘和色块；默认为 5×5</translation>
    </message>
    <message>
        <source>Only the ConvNet backbone has a first-layer size to choose; %1 keeps its own</source>
        <translation>只有 ConvNet 骨干网络可以选择第一层的大小；%1 使用自己的第一层</translation>
    </message>
    <message>
        <source>Stopped following %1</source>
        <translation>已停止跟随 %1</translation>
    </message>
    <message>
        <source>Choose a prepared dataset folder with labels as the evaluation data</source>
        <translation>选择一个带标签的预处理数据集文件夹作为评估数据</translation>
    </message>
    <message>
        <source>Evaluation data: a prepared dataset folder</source>
        <translation>评估数据：预处理数据集文件夹</translation>
    </message>
    <message>
        <source>%1 is not a prepared dataset (it has no manifest.json). Prepare it first: Dataset panel, Prepare a folder…, or pretext-cli prepare.</source>
        <translation>%1 不是预处理数据集（其中没有 manifest.json）。请先预处理：数据集面板的“准备图像文件夹…”，或 pretext-cli prepare。</translation>
    </message>
    <message>
        <source>%1 has no labels; evaluation data needs them (the k-NN monitor, the linear probe, class colours).</source>
        <translation>%1 没有标签；评估数据需要标签（k-NN 监测、线性评估、类别颜色）。</translation>
    </message>
    <message>
        <source>%1 holds images of %2, the training set %3; evaluation data must have the same shape.</source>
        <translation>%1 中图像的形状为 %2，训练集为 %3；评估数据的形状必须相同。</translation>
    </message>
    <message>
        <source>Could not open “%1”: %2</source>
        <translation>无法打开“%1”：%2</translation>
    </message>
    <message>
        <source>%1 is still being written by pid %2 on %3: resuming it too would make two writers</source>
        <translation>%1 仍由 %3 上的进程 %2 写入：再继续它会有两个写入者</translation>
    </message>
    <message>
        <source>Resume this run</source>
        <translation>继续这次运行</translation>
    </message>
    <message>
        <source>Resume on %1 GPUs</source>
        <translation>在 %1 个 GPU 上继续</translation>
    </message>
    <message>
        <source>Resume with %1 processes</source>
        <translation>用 %1 个进程继续</translation>
    </message>
    <message>
        <source>Continue from the checkpoint at step %1 here: %2</source>
        <translation>在此处从第 %1 步的检查点继续：%2</translation>
    </message>
    <message>
        <source>This machine has %1 GPUs and the run had %2: resuming on %3 keeps the global batch of %4 (%5 a GPU).</source>
        <translation>本机有 %1 个 GPU，而这次运行用了 %2 个：在 %3 个 GPU 上继续会保持全局批大小 %4（每个 GPU %5）。</translation>
    </message>
    <message>
        <source>This machine runs at most %1 processes and the run had %2: resuming with %3 keeps the global batch of %4 (%5 a process).</source>
        <translation>本机最多运行 %1 个进程，而这次运行用了 %2 个：用 %3 个进程继续会保持全局批大小 %4（每个进程 %5）。</translation>
    </message>
    <message>
        <source>A run is going here: stop it before resuming another</source>
        <translation>此处有运行正在进行：请先停止它，再继续另一个</translation>
    </message>
    <message>
        <source>%1 finished: there is nothing to resume</source>
        <translation>%1 已完成：没有可继续的训练</translation>
    </message>
    <message>
        <source>%1 has no checkpoint to resume from: start it again</source>
        <translation>%1 没有可从中继续的检查点：请重新开始</translation>
    </message>
    <message>
        <source>%1 has no writer record that says its process ended: resume it with Resume run folder… once you know nothing writes it any more</source>
        <translation>%1 没有表明其进程已结束的写入记录：确认不再有进程写入它之后，请用“继续运行文件夹…”继续</translation>
    </message>
    <message>
        <source>Nothing has been heard from %1 for %2 s. If its process still runs there, resuming here makes two processes write the same run. Resume?</source>
        <translation>%1 已有 %2 秒没有消息。如果它的进程仍在那里运行，在此继续会让两个进程写入同一次运行。要继续吗？</translation>
    </message>
    <message>
        <source>%1 had %2 processes and this machine runs %3: resuming with %3 keeps the global batch of %4</source>
        <translation>%1 用了 %2 个进程，本机运行 %3 个：用 %3 个进程继续会保持全局批大小 %4</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Labelled train split</source>
        <translation>有标签训练划分</translation>
    </message>
    <message>
        <source>Unlabelled split</source>
        <translation>无标签划分</translation>
    </message>
    <message>
        <source>The images the run trains on (--train-split). Automatic: a self-supervised method trains on the unlabelled split where the dataset has one beside labelled ones (STL-10), else on the train split; a method that trains on labels, on the train split</source>
        <translation>本次运行训练所用的图像（--train-split）。自动：数据集在有标签划分之外还有无标签划分时（STL-10），自监督方法在无标签划分上训练，否则在训练划分上训练；使用标签训练的方法在训练划分上训练</translation>
    </message>
    <message>
        <source>Training split:</source>
        <translation>训练划分：</translation>
    </message>
    <message>
        <source>The followed run&apos;s settings cannot be read; the form shows this panel&apos;s own, not the run&apos;s. %1</source>
        <translation>无法读取所跟踪运行的设置；表单显示的是本面板自己的设置，而不是该运行的。%1</translation>
    </message>
    <message>
        <source>%1 was opened without its unlabelled images: the run reads them (unlabeled_X.bin) when it starts</source>
        <translation>%1 打开时未读取其无标签图像：运行开始时会读取它们（unlabeled_X.bin）</translation>
    </message>
    <message>
        <source>%1 was opened without its unlabelled images: Automatic trains on its train split; choose Unlabelled split to train on them</source>
        <translation>%1 打开时未读取其无标签图像：“自动”将在其训练划分上训练；要在无标签图像上训练，请选择“无标签划分”</translation>
    </message>
    <message>
        <source>Cannot train on this split: %1</source>
        <translation>无法在此划分上训练：%1</translation>
    </message>
    <message>
        <source>Cannot start: %1</source>
        <translation>无法开始：%1</translation>
    </message>
    <message>
        <source>%1 trains on labels: in this experiment it trains on the labelled train split</source>
        <translation>%1 使用标签训练：在本实验中它在有标签训练划分上训练</translation>
    </message>
    <message>
        <source>Starting %1 on %2: reading its unlabelled images first …</source>
        <translation>正在 %2 上启动 %1：先读取其无标签图像 …</translation>
    </message>
    <message>
        <source>its writer record says it failed</source>
        <translation>其写入者记录表明它已失败</translation>
    </message>
    <message>
        <source>the process %1 on this host is gone without finishing (killed?)</source>
        <translation>本机上的进程 %1 未完成便已消失（被终止？）</translation>
    </message>
</context>
</TS>
